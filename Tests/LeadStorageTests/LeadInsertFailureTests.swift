import LeadCore
import LeadTestSupport
import Testing

/// The savepoint rule: when the lead cannot be inserted, the raw row is still committed, as `failed`, for replay.
@Suite struct LeadInsertFailureTests {
    @Test(arguments: Backend.available)
    func keepsTheRequestForReplayWhenTheLeadInsertFails(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            try await db.breakLeadInserts()
            let submission = RawSubmission.fixture(#"{"email":"a@b.c"}"#, key: "key-1")
            // Answered like a queued request (202): the request is safe, and replay will give the lead this id.
            #expect(try await db.store.record(submission) == .failed(leadID: submission.idText))

            let raw = try await db.store.requireSubmission(submission)
            #expect(raw.outcome == .failed)
            #expect(raw.error?.isEmpty == false)
            #expect(raw.body == submission.body)
            #expect(try await db.store.lead(id: submission.idText) == nil)
            #expect(try await db.store.leadCount() == 0)
        }
    }

    @Test(arguments: Backend.available)
    func stillRecordsRejectedRequestsAsInvalid(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            try await db.breakLeadInserts()
            let submission = RawSubmission.fixture("[1,2]")
            #expect(try await db.store.record(submission) == .rejected(.invalidPayload))

            let raw = try await db.store.requireSubmission(submission)
            #expect(raw.outcome == .invalid)
            #expect(raw.error == nil)
        }
    }
}
