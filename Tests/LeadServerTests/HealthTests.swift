import Hummingbird
import HummingbirdTesting
import LeadTestSupport
import Testing

@Suite("GET /health")
struct HealthTests {
    @Test("200 with ok and a timestamp while the database takes writes", arguments: Backend.available)
    func up(backend: Backend) async throws {
        try await TestApplication.run(on: backend) { _, client in
            try await Self.expectHealth(from: client, status: .ok, ok: true)
        }
    }

    // The old service said ok while its database was down.
    @Test("503 with ok:false while the database is down", arguments: [FailingStore.unavailable, FailingStore.broken])
    func down(store: FailingStore) async throws {
        try await TestApplication.run(store: store) { client in
            try await Self.expectHealth(from: client, status: .serviceUnavailable, ok: false)
        }
    }

    /// Asks `/health` and checks the answer: `status`, `ok`, and a UTC ISO-8601 timestamp with milliseconds, as the
    /// old service's `/health` wrote it.
    static func expectHealth(from client: any TestClientProtocol, status: HTTPResponse.Status, ok: Bool) async throws {
        let response = try await client.execute(uri: "/health", method: .get)
        #expect(response.status == status)
        let body = try response.jsonObject()
        #expect(body["ok"] == .bool(ok))
        let timestamp = try #require(body["timestamp"]?.string)
        #expect(timestamp.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil, "timestamp \(timestamp)")
        #expect(!response.bodyText.contains(LeakyError.text))
    }
}
