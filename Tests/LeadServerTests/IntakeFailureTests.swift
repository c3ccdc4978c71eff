import HummingbirdTesting
import Testing

/// The two failures a real store cannot be made to produce on demand, through store doubles.
@Suite("POST /api/lead when the store fails")
struct IntakeFailureTests {
    @Test("500 internal_error, without the error's text, for an unexpected failure")
    func unexpectedError() async throws {
        try await TestApplication.run(store: FailingStore.broken) { client in
            let response = try await client.postLead(IntakeContractTests.leadBody)
            #expect(response.status == .internalServerError)
            #expect(try response.jsonObject() == ["ok": false, "error": "internal_error"])
            #expect(!response.bodyText.contains("hunter2"))
            #expect(!response.bodyText.contains("SELECT"))
        }
    }

    @Test("503 unavailable with Retry-After while the database is away")
    func databaseUnavailable() async throws {
        try await TestApplication.run(store: FailingStore.unavailable) { client in
            let response = try await client.postLead(IntakeContractTests.leadBody)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.jsonObject() == ["ok": false, "error": "unavailable"])
            let retryAfter = try #require(response.headers[.retryAfter], "no Retry-After header")
            #expect((Int(retryAfter) ?? 0) > 0, "Retry-After: \(retryAfter)")
            #expect(!response.bodyText.contains("connection refused"))
        }
    }
}
