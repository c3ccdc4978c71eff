import LeadCore
import LeadTestSupport
import Testing

/// A JSON object becomes one lead and one raw row, in the same transaction.
@Suite struct LeadIntakeTests {
    static let body = #"{"email":"jane@example.com","first_name":"Jane","click_id":12345,"utm_source":"fb"}"#

    @Test(arguments: Backend.available)
    func storesALeadWithItsNormalizedFields(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let submission = RawSubmission.fixture(Self.body, key: "key-1", requestID: "req-42")
            #expect(try await db.store.record(submission) == .stored(leadID: submission.idText))

            let lead = try #require(try await db.store.lead(id: submission.idText))
            // A number is kept as the text the sender wrote: the old service failed the whole insert on it.
            #expect(lead.fields == [.email: "jane@example.com", .firstName: "Jane", .clickID: "12345"])
            #expect(lead.idempotencyKey == "key-1")
            #expect(lead.requestID == "req-42")
            #expect(lead.status == "new")
            #expect(lead.assignedTo == nil)
            #expect(isSameMillisecond(lead.createdAt, submission.receivedAt))
            #expect(try jsonMembers(lead.extra) == ["utm_source": .string("fb")])
        }
    }

    @Test(arguments: Backend.available)
    func keepsTheRawRequestBesideTheLead(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let submission = RawSubmission.fixture(Self.body, key: "key-1", requestID: "req-42")
            _ = try await db.store.record(submission)

            let rows = try await db.store.submissions(forLead: submission.idText)
            #expect(rows.count == 1)
            let raw = try #require(rows.first)
            #expect(raw.id == submission.idText)
            #expect(raw.outcome == .stored)
            #expect(raw.leadID == submission.idText)
            #expect(raw.body == submission.body)
            #expect(raw.truncated == false)
            #expect(raw.headers == submission.headers)
            #expect(raw.clientAddress == "10.0.0.1")
            #expect(raw.error == nil)
            #expect(isSameMillisecond(raw.receivedAt, submission.receivedAt))
        }
    }

    /// Without a key nothing says two requests are the same lead, so both are kept as leads.
    @Test(arguments: Backend.available)
    func storesIdenticalKeylessSubmissionsAsSeparateLeads(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let first = RawSubmission.fixture(Self.body)
            let second = RawSubmission.fixture(Self.body)
            let results = [try await db.store.record(first), try await db.store.record(second)]
            #expect(results == [.stored(leadID: first.idText), .stored(leadID: second.idText)])
            #expect(first.idText != second.idText)
            #expect(try await db.store.leadCount() == 2)
            #expect(try await db.store.submissionCount() == 2)
        }
    }
}
