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
