import Hummingbird
import HummingbirdTesting
import LeadTestSupport
import Testing

/// Landing pages post from any origin, so every origin is allowed unless `CORS_ORIGINS` narrows it.
@Suite("CORS")
struct CORSTests {
    static let origin = "https://landing.example"

    static func preflight(from origin: String) -> HTTPFields {
        [.origin: origin, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type, idempotency-key"]
    }

    // A preflight must be answered without reaching a route, so a broken store must not matter.
    @Test("a preflight from any origin is allowed, including the Idempotency-Key header")
    func preflightAllowsAnyOrigin() async throws {
        try await TestApplication.run(store: FailingStore.broken) { client in
            let response = try await client.execute(uri: "/api/lead", method: .options, headers: Self.preflight(from: Self.origin))
            #expect((200..<300).contains(response.status.code), "status \(response.status)")
            #expect(response.headers[.accessControlAllowOrigin] == "*")
            let allowed = (response.headers[.accessControlAllowHeaders] ?? "").lowercased().split(separator: ",")
            #expect(allowed.map { $0.trimmingCharacters(in: .whitespaces) }.contains("idempotency-key"), "allowed: \(allowed)")
        }
    }

    @Test("a POST from another origin is allowed", arguments: Backend.available)
    func postAllowsAnyOrigin(backend: Backend) async throws {
        try await TestApplication.run(on: backend) { _, client in
            let response = try await client.postLead(IntakeContractTests.leadBody, headers: [.contentType: "application/json", .origin: Self.origin])
            #expect(response.status == .created)
            #expect(response.headers[.accessControlAllowOrigin] == "*")
        }
    }

    @Test("with a list of origins, a listed origin is echoed and any other gets no allow-origin header")
    func listedOrigins() async throws {
        let configuration = TestApplication.configuration(corsOrigins: .list(["https://a.example"]))
        try await TestApplication.run(on: .sqlite, configuration: configuration) { _, client in
            for (origin, expected) in [("https://a.example", "https://a.example"), ("https://b.example", nil)] {
                let post = try await client.postLead("{}", headers: [.contentType: "application/json", .origin: origin])
                #expect(post.status == .created)
                #expect(post.headers[.accessControlAllowOrigin] == expected, "POST from \(origin)")
                let preflight = try await client.execute(uri: "/api/lead", method: .options, headers: Self.preflight(from: origin))
                #expect(preflight.headers[.accessControlAllowOrigin] == expected, "preflight from \(origin)")
            }
        }
    }
}
