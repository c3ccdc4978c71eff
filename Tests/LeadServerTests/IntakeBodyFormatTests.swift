import Hummingbird
import HummingbirdTesting
import LeadCore
import LeadTestSupport
import Testing

/// Senders do not all say what they send: PHP senders post JSON as `text/plain` or with no Content-Type, HTML forms
/// post urlencoded fields, affiliate networks send numeric ids.
@Suite("POST /api/lead reads bodies the way senders send them")
struct IntakeBodyFormatTests {
    @Test(
        "JSON is accepted whatever the Content-Type says",
        arguments: Backend.available,
        [nil, "text/plain", "text/plain; charset=UTF-8"] as [String?]
    )
    func jsonWithAnyContentType(backend: Backend, contentType: String?) async throws {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let lead = try await Self.postExpectingLead(IntakeContractTests.leadBody, headers: headers, on: backend)
        #expect(lead[.email] == "ann@example.com")
        #expect(lead[.phone] == "+15550100")
    }

    @Test("a form-urlencoded body becomes a lead with its fields", arguments: Backend.available)
    func formBody(backend: Backend) async throws {
        let lead = try await Self.postExpectingLead(
            "email=ann%40example.com&firstName=Ann&phone=%2B1+555+0100",
            headers: [.contentType: "application/x-www-form-urlencoded"],
            on: backend
        )
        #expect(lead[.email] == "ann@example.com")
        #expect(lead[.firstName] == "Ann")
        #expect(lead[.phone] == "+1 555 0100")
    }

    // The old service failed such a sender with 500 on every request.
    @Test("a numeric click_id is stored as its text", arguments: Backend.available)
    func numericClickID(backend: Backend) async throws {
        let lead = try await Self.postExpectingLead(#"{"click_id":12345,"email":"ann@example.com"}"#, on: backend)
        #expect(lead[.clickID] == "12345")
    }

    /// Posts `body`, expects 201, and returns the lead it made.
    static func postExpectingLead(
        _ body: String,
        headers: HTTPFields = [.contentType: "application/json"],
        on backend: Backend
    ) async throws -> StoredLead {
        try await TestApplication.run(on: backend) { db, client in
            let response = try await client.postLead(body, headers: headers)
            #expect(response.status == .created)
            let leadID = try #require(try response.jsonObject()["lead_id"]?.string)
            return try #require(try await db.store.lead(id: leadID))
        }
    }
}
