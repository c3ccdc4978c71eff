import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Unknown routes")
struct NotFoundTests {
    @Test("an unknown route is 404 not_found in the contract's JSON shape", arguments: ["/nowhere", "/api/nothing", "/api/lead/extra"])
    func unknownRoute(path: String) async throws {
        try await TestApplication.run(store: FailingStore.broken) { client in
            for method in [HTTPRequest.Method.get, .post] {
                let response = try await client.execute(uri: path, method: method, body: ByteBuffer(string: "{}"))
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(try response.jsonObject() == ["ok": false, "error": "not_found"])
            }
        }
    }
}

@Suite("Known paths, other methods")
struct MethodNotAllowedTests {
    @Test(
        "a served path asked with a method it does not serve is 405 method_not_allowed, with Allow naming the served ones",
        arguments: [
            ("/api/lead", HTTPRequest.Method.get, ["POST"]),
            ("/api/leads/some-id", .post, ["DELETE", "GET", "PATCH"]),
            ("/api/leads/some-id/events", .delete, ["GET"]),
            ("/api/users", .delete, ["GET", "POST"]),
            ("/health", .post, ["GET"]),
        ]
    )
    func methodNotAllowed(path: String, method: HTTPRequest.Method, allowed: [String]) async throws {
        try await TestApplication.run(store: FailingStore.broken) { client in
            let response = try await client.execute(uri: path, method: method)
            #expect(response.status == .methodNotAllowed)
            #expect(try response.jsonObject() == ["ok": false, "error": "method_not_allowed"])
            let allow = response.headers[.allow]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(allow.map { Set($0) } == Set(allowed))
        }
    }
}
