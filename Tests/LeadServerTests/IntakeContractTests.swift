import Hummingbird
import HummingbirdTesting
import LeadCore
import LeadServer
import LeadTestSupport
import Testing

/// One test per row of the intake table in SPEC §1, against every backend: status, exact body, and what the
/// database holds afterwards.
@Suite("POST /api/lead contract")
struct IntakeContractTests {
    static let leadBody = #"{"email":"ann@example.com","firstName":"Ann","phone":"+15550100"}"#

    @Test("201 for a new lead; the lead and its raw row are stored under the returned id", arguments: Backend.available)
    func newLead(backend: Backend) async throws {
        try await TestApplication.run(on: backend) { db, client in
            let response = try await client.postLead(Self.leadBody)
            #expect(response.status == .created)
            let body = try response.jsonObject()
            let leadID = try #require(body["lead_id"]?.string)
            #expect(isLowercaseUUID(leadID), "lead_id \(leadID)")
            #expect(body == ["ok": true, "lead_id": .string(leadID), "deduplicated": false])

            let lead = try #require(try await db.store.lead(id: leadID))
            #expect(lead[.email] == "ann@example.com")
            #expect(lead[.firstName] == "Ann")
            let raw = try #require(try await db.store.submission(id: leadID))
            #expect(raw.body == Array(Self.leadBody.utf8))
            #expect(raw.outcome == .stored)
            #expect(raw.leadID == leadID)
        }
    }

    @Test("409 with the first lead's id for an Idempotency-Key already seen; both payloads kept", arguments: Backend.available)
    func repeatedKey(backend: Backend) async throws {
        try await TestApplication.run(on: backend) { db, client in
            let headers: HTTPFields = [.contentType: "application/json", .idempotencyKey: "sha256-of-ann|+15550100|2026-11-25"]
            let first = try await client.postLead(Self.leadBody, headers: headers)
            #expect(first.status == .created)
            let leadID = try #require(try first.jsonObject()["lead_id"]?.string)

            let retryBody = #"{"email":"ann@example.com","comment":"second attempt"}"#
            let second = try await client.postLead(retryBody, headers: headers)
            #expect(second.status == .conflict)
            #expect(try second.jsonObject() == ["ok": true, "lead_id": .string(leadID), "deduplicated": true])

            #expect(try await db.store.leadCount() == 1)
            // The old service threw the duplicate's payload away; it is kept, linked to the lead it duplicated.
            let raws = try await db.store.submissions(forLead: leadID)
            #expect(raws.map(\.outcome) == [.stored, .duplicate])
            #expect(raws.last?.body == Array(retryBody.utf8))
        }
    }

    @Test("400 invalid_payload for JSON that is not an object; the request is kept", arguments: Backend.available, [#"[1,2]"#, #""x""#, "42"])
    func notAnObject(backend: Backend, body: String) async throws {
        let raw = try await Self.expectRejection(of: body, on: backend, status: .badRequest, error: "invalid_payload")
        #expect(raw.body == Array(body.utf8))
    }

    // The old service's framework rejected invalid JSON before anything was stored.
    @Test("400 invalid_json for a body that is not JSON; the request is kept", arguments: Backend.available, ["{bad", ""])
    func notJSON(backend: Backend, body: String) async throws {
        let raw = try await Self.expectRejection(of: body, on: backend, status: .badRequest, error: "invalid_json")
        #expect(raw.body == Array(body.utf8))
    }

    @Test("413 payload_too_large; the first maxBodyBytes bytes are kept, marked truncated", arguments: Backend.available)
    func tooLarge(backend: Backend) async throws {
        let prefix = #"{"description":""#
        let body = prefix + String(repeating: "x", count: 5000 - prefix.utf8.count - 2) + #""}"#
        #expect(body.utf8.count == 5000)
        let raw = try await Self.expectRejection(
            of: body,
            on: backend,
            configuration: TestApplication.configuration(maxBodyBytes: 1024),
            status: .contentTooLarge,
            error: "payload_too_large"
        )
        #expect(raw.truncated)
        #expect(raw.body == Array(body.utf8.prefix(1024)))
    }

    @Test("202 queued when the lead cannot be inserted; the raw row is kept as failed", arguments: Backend.available)
    func leadInsertFails(backend: Backend) async throws {
        try await TestApplication.run(on: backend) { db, client in
            try await db.breakLeadInserts()
            let response = try await client.postLead(Self.leadBody)
            #expect(response.status == .accepted)
            let body = try response.jsonObject()
            let leadID = try #require(body["lead_id"]?.string)
            #expect(isLowercaseUUID(leadID), "lead_id \(leadID)")
            #expect(body == ["ok": true, "lead_id": .string(leadID), "deduplicated": false, "queued": true])

            #expect(try await db.store.lead(id: leadID) == nil)
            let raw = try #require(try await db.store.submission(id: leadID))
            #expect(raw.outcome == .failed)
            #expect(raw.body == Array(Self.leadBody.utf8))
        }
    }

    /// Posts `body`, expects the contract's error response and no lead, and returns the raw row the request left:
    /// every request is recorded, whatever its body.
    static func expectRejection(
        of body: String,
        on backend: Backend,
        configuration: AppConfiguration = TestApplication.configuration(),
        status: HTTPResponse.Status,
        error code: String
    ) async throws -> StoredSubmission {
        try await TestDatabase.with(backend) { db in
            let store = RecordingStore(db.store)
            let raw = try await TestApplication.run(store: store, configuration: configuration) { client in
                let response = try await client.postLead(body)
                #expect(response.status == status)
                #expect(try response.jsonObject() == ["ok": false, "error": .string(code)])
                return try await store.onlySubmission()
            }
            #expect(try await db.store.leadCount() == 0)
            let row = try #require(raw, "no raw row for the rejected request")
            #expect(row.outcome == .invalid)
            #expect(row.leadID == nil)
            return row
        }
    }
}
