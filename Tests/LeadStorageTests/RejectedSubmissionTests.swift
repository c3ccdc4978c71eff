import LeadCore
import LeadTestSupport
import Testing

/// A request that is no lead is still kept, byte for byte: the old service's framework dropped it unseen.
@Suite struct RejectedSubmissionTests {
    struct Rejected: Sendable, CustomTestStringConvertible {
        let rejection: IntakeRejection
        let body: [UInt8]
        var truncated = false
        /// Why the body stopped short; kept as the raw row's `error`.
        var bodyError: String?

        var testDescription: String { self.rejection.rawValue }
    }

    static let cases: [Rejected] = [
        Rejected(rejection: .invalidJSON, body: [0xFF, 0xFE, 0x00, 0x7B]),
        Rejected(rejection: .invalidPayload, body: Array(#"["a",1,"#.utf8) + [0x00, 0xC3] + Array(#"]"#.utf8)),
        Rejected(rejection: .payloadTooLarge, body: Array(#"{"email":"a"#.utf8) + [0x00, 0xFF, 0xE2, 0x82], truncated: true),
        Rejected(rejection: .incompleteBody, body: Array(#"{"email":"a@b.c"#.utf8) + [0xF0, 0x9F], bodyError: "body timed out"),
    ]

    @Test(arguments: Backend.available, Self.cases)
    func recordsTheRawRequestAsInvalidWithoutALead(backend: Backend, rejected: Rejected) async throws {
        try await TestDatabase.with(backend) { db in
            var submission = RawSubmission.fixture(rejected.body, key: "key-1", truncated: rejected.truncated)
            submission.bodyError = rejected.bodyError
            #expect(try await db.store.record(submission, as: .rejected(rejected.rejection)) == .rejected(rejected.rejection))

            let raw = try await db.store.requireSubmission(submission)
            #expect(raw.outcome == .invalid)
            #expect(raw.leadID == nil)
            #expect(raw.body == rejected.body)
            #expect(raw.truncated == rejected.truncated)
            #expect(raw.error == rejected.bodyError)
            #expect(raw.headers == submission.headers)
            #expect(try await db.store.leadCount() == 0)
        }
    }

    /// Rejected requests never take an `Idempotency-Key`, so the lead that comes with it later is still new.
    @Test(arguments: Backend.available)
    func leavesTheKeyFreeForALaterLead(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let rejected = RawSubmission.fixture("garbage", key: "key-1")
            let lead = RawSubmission.fixture(#"{"email":"a@b.c"}"#, key: "key-1")
            let results = [try await db.store.record(rejected), try await db.store.record(lead)]
            #expect(results == [.rejected(.invalidJSON), .stored(leadID: lead.idText)])
        }
    }
}
