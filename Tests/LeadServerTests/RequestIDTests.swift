import Hummingbird
import HummingbirdTesting
import LeadCore
import LeadTestSupport
import Testing

/// `X-Request-Id` ties a sender's request to the log line, the raw row and the lead (SPEC §5).
@Suite("X-Request-Id")
struct RequestIDTests {
    @Test("a sender's X-Request-Id is echoed and kept with the raw row and the lead", arguments: Backend.available)
    func echoed(backend: Backend) async throws {
        let traced = try await Self.postLead(requestID: "sender-request-42", on: backend)
        #expect(traced.header == "sender-request-42")
        #expect(traced.lead.requestID == "sender-request-42")
        #expect(traced.raw.headers.requestID == "sender-request-42")
    }

    @Test("a request without X-Request-Id gets one, kept the same way", arguments: Backend.available)
    func generated(backend: Backend) async throws {
        let traced = try await Self.postLead(requestID: nil, on: backend)
        let requestID = try #require(traced.header, "no X-Request-Id in the response")
        #expect(!requestID.isEmpty)
        #expect(traced.lead.requestID == requestID)
        #expect(traced.raw.headers.requestID == requestID)
    }

    @Test("error responses carry the request id too")
    func onErrors() async throws {
        try await TestApplication.run(store: FailingStore.broken) { client in
            let failed = try await client.postLead("{}", headers: [.contentType: "application/json", .requestID: "req-500"])
            #expect(failed.status == .internalServerError)
            #expect(failed.headers[.requestID] == "req-500")
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            #expect(missing.headers[.requestID]?.isEmpty == false)
        }
    }

    struct TracedLead: Sendable {
        var header: String?
        var lead: StoredLead
        var raw: StoredSubmission
    }

    static func postLead(requestID: String?, on backend: Backend) async throws -> TracedLead {
        try await TestApplication.run(on: backend) { db, client in
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[.requestID] = requestID
            let response = try await client.postLead(IntakeContractTests.leadBody, headers: headers)
            #expect(response.status == .created)
            let leadID = try #require(try response.jsonObject()["lead_id"]?.string)
            return TracedLead(
                header: response.headers[.requestID],
                lead: try #require(try await db.store.lead(id: leadID)),
                raw: try #require(try await db.store.submission(id: leadID))
            )
        }
    }
}
