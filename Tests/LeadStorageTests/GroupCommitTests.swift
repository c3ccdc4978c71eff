import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// Group commit writes concurrent requests in one transaction; every rule of a single request still holds inside a
/// batch: a repeated key, a request that is no lead, and a lead the database refuses.
@Suite struct GroupCommitTests {
    /// Writes `submissions` as one batch through the backend's batch path.
    static func recordBatch(_ submissions: [RawSubmission], in db: TestDatabase) async throws -> [IntakeResult] {
        let items = submissions.map { IntakeItem(submission: $0, interpretation: SubmissionInterpretation(of: $0)) }
        switch db.store {
        case let store as PostgresLeadStore: return try await store.recordBatch(items)
        case let store as SQLiteLeadStore: return try await store.recordBatch(items)
        default: throw TestDatabaseError.unknownStore
        }
    }

    @Test(arguments: Backend.available)
    func aBatchKeepsEveryRuleOfASingleRequest(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let existing = RawSubmission.fixture(#"{"email":"old@x"}"#, key: "taken")
            #expect(try await db.store.record(existing) == .stored(leadID: existing.idText))

            let first = RawSubmission.fixture(#"{"email":"first@x"}"#, key: "shared")
            let second = RawSubmission.fixture(#"{"email":"second@x"}"#, key: "shared")
            let again = RawSubmission.fixture(#"{"email":"again@x"}"#, key: "taken")
            let invalid = RawSubmission.fixture("[1]", key: "not-a-lead")
            let plain = RawSubmission.fixture(#"{"email":"plain@x"}"#)
            let results = try await Self.recordBatch([first, second, again, invalid, plain], in: db)

            #expect(
                results == [
                    .stored(leadID: first.idText), .duplicate(leadID: first.idText), .duplicate(leadID: existing.idText),
                    .rejected(.invalidPayload), .stored(leadID: plain.idText),
                ]
            )
            #expect(try await db.store.leadCount() == 3)
            #expect(try await db.store.submissionCount() == 6)
            #expect(try await db.store.requireSubmission(second).leadID == first.idText)
            #expect(try await db.store.requireSubmission(invalid).outcome == .invalid)
        }
    }

    @Test(arguments: Backend.available)
    func oneBadLeadNeverFailsItsBatchMates(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            try await db.breakLeadInserts(forEmail: "refused@x")
            let good = (0..<5).map { RawSubmission.fixture(#"{"email":"good\#($0)@x"}"#, key: "good-\($0)") }
            let bad = RawSubmission.fixture(#"{"email":"refused@x"}"#, key: "bad")
            let results = try await Self.recordBatch(Array(good[0..<2]) + [bad] + Array(good[2...]), in: db)

            #expect(results.filter { $0 == .failed(leadID: bad.idText) }.count == 1)
            #expect(results.filter { if case .stored = $0 { true } else { false } }.count == 5)
            #expect(try await db.store.leadCount() == 5)
            let raw = try await db.store.requireSubmission(bad)
            #expect(raw.outcome == .failed)
            #expect(raw.error?.contains("broken") == true)
        }
    }

    @Test(arguments: Backend.available)
    func concurrentRequestsAreAllAnsweredAndStoredOnce(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let submissions = (0..<300).map { RawSubmission.fixture(#"{"email":"c\#($0)@x"}"#, key: "k-\($0 % 150)") }
            let results = try await withThrowingTaskGroup(of: IntakeResult.self) { group in
                for submission in submissions {
                    group.addTask { try await db.store.record(submission) }
                }
                return try await group.reduce(into: [IntakeResult]()) { $0.append($1) }
            }
            #expect(results.filter { if case .stored = $0 { true } else { false } }.count == 150)
            #expect(results.filter { if case .duplicate = $0 { true } else { false } }.count == 150)
            #expect(try await db.store.leadCount() == 150)
            #expect(try await db.store.submissionCount() == 300)
        }
    }

    /// Intake's batches and the CRM's writes take turns at the database (on SQLite through one lock, intake's from
    /// a thread of its own): neither waits for good, and both are all written.
    @Test(.timeLimit(.minutes(1)), arguments: Backend.available)
    func intakeAndCRMChangesAtTheSameTimeAreAllWritten(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let crm = try CRMStoreTests.crm(db)
            let manager = try await crm.createUser(name: "mia", role: .manage)
            let worked = (0..<20).map { RawSubmission.fixture(#"{"email":"w\#($0)@x"}"#, key: "w-\($0)") }
            for submission in worked {
                _ = try await db.store.record(submission)
            }
            let incoming = (0..<200).map { RawSubmission.fixture(#"{"email":"i\#($0)@x"}"#, key: "i-\($0)") }
            let (stored, updated) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for submission in incoming {
                    group.addTask {
                        guard case .stored = try await db.store.record(submission) else { return (0, 0) }
                        return (1, 0)
                    }
                }
                for submission in worked {
                    group.addTask {
                        let change = LeadChange(status: "in_work", note: .some("called"))
                        guard case .updated = try await crm.updateLead(id: submission.idText, change: change, expectedRevision: 0, actor: manager)
                        else { return (0, 0) }
                        return (0, 1)
                    }
                }
                return try await group.reduce(into: (0, 0)) { $0 = ($0.0 + $1.0, $0.1 + $1.1) }
            }
            #expect(stored == 200)
            #expect(updated == 20)
            #expect(try await db.store.leadCount() == 220)
            #expect(try await db.store.submissionCount() == 220)
            for submission in worked {
                let record = try #require(try await crm.leadRecord(id: submission.idText))
                #expect(record.revision == 1)
                #expect(record.lead.status == "in_work")
                #expect(record.note == "called")
            }
        }
    }
}
