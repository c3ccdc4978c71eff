import Foundation
import LeadCore
import LeadServer
import LeadTestSupport
import Testing

/// `leadcrm replay`: failed requests become the leads they should have been, exactly as live intake would have made
/// them, and running it again changes nothing.
@Suite struct ReplayTests {
    static func submission(_ json: String, key: String?) -> RawSubmission {
        RawSubmission(body: Array(json.utf8), headers: SubmissionHeaders(contentType: "application/json", idempotencyKey: key))
    }

    static func record(_ submission: RawSubmission, in store: any LeadStore) async throws -> IntakeResult {
        try await store.record(submission, as: SubmissionInterpretation(of: submission))
    }

    @Test(arguments: Backend.available)
    func failedRequestsBecomeTheirLeadsOnce(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let held = Self.submission(#"{"email":"first@x"}"#, key: "held")
            #expect(try await Self.record(held, in: db.store) == .stored(leadID: held.idText))
            try await db.breakLeadInserts()
            let lost = Self.submission(#"{"email":"lost@x","click_id":7}"#, key: "lost")
            let again = Self.submission(#"{"email":"again@x"}"#, key: "held")
            #expect(try await Self.record(lost, in: db.store) == .failed(leadID: lost.idText))
            #expect(try await Self.record(again, in: db.store) == .failed(leadID: again.idText))
            try await db.restoreLeadInserts()

            let first = try await Replayer(store: db.store).run(ReplaySelection(), dryRun: false)
            #expect(first.examined == 2)
            #expect(first.changed == 2)
            #expect(first.outcomes == [.stored: 1, .duplicate: 1])
            let lead = try #require(try await db.store.lead(id: lost.idText))
            #expect(lead[.email] == "lost@x")
            #expect(lead[.clickID] == "7")
            let duplicate = try #require(try await db.store.submission(id: again.idText))
            #expect(duplicate.outcome == .duplicate)
            #expect(duplicate.leadID == held.idText)
            #expect(duplicate.error == nil)

            let second = try await Replayer(store: db.store).run(ReplaySelection(), dryRun: false)
            #expect(second.examined == 0)
            let everything = try await Replayer(store: db.store).run(ReplaySelection(scope: .all), dryRun: false)
            #expect(everything.examined == 3)
            #expect(everything.changed == 0)
            #expect(try await db.store.leadCount() == 2)
        }
    }

    @Test(arguments: Backend.available)
    func aDryRunWritesNothing(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            try await db.breakLeadInserts()
            let lost = Self.submission(#"{"email":"lost@x"}"#, key: "k")
            _ = try await Self.record(lost, in: db.store)
            try await db.restoreLeadInserts()

            let summary = try await Replayer(store: db.store).run(ReplaySelection(), dryRun: true)
            #expect(summary.changed == 1)
            #expect(try await db.store.leadCount() == 0)
            #expect(try await db.store.submission(id: lost.idText)?.outcome == .failed)
        }
    }

    @Test(arguments: Backend.available)
    func theTimeWindowLimitsWhatIsReplayed(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            try await db.breakLeadInserts()
            var old = Self.submission(#"{"email":"old@x"}"#, key: "old")
            old.receivedAt = Date(timeIntervalSince1970: 1_700_000_000)
            var recent = Self.submission(#"{"email":"recent@x"}"#, key: "recent")
            recent.receivedAt = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try await Self.record(old, in: db.store)
            _ = try await Self.record(recent, in: db.store)
            try await db.restoreLeadInserts()

            let since = ReplaySelection(since: Date(timeIntervalSince1970: 1_750_000_000))
            #expect(try await Replayer(store: db.store).run(since, dryRun: false).examined == 1)
            #expect(try await db.store.lead(id: recent.idText) != nil)
            #expect(try await db.store.lead(id: old.idText) == nil)
            let until = ReplaySelection(until: Date(timeIntervalSince1970: 1_750_000_000))
            #expect(try await Replayer(store: db.store).run(until, dryRun: false).examined == 1)
            #expect(try await db.store.lead(id: old.idText) != nil)
        }
    }

    @Test(arguments: Backend.available)
    func replayingEverythingRewritesFieldsFromTheRequestOnce(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let stored = Self.submission(#"{"email":"right@x","first_name":"Ann"}"#, key: "k")
            _ = try await Self.record(stored, in: db.store)
            try await db.execute([#"UPDATE "leads" SET "email" = 'wrong@x' WHERE "id" = '\#(stored.idText)'"#])

            let first = try await Replayer(store: db.store).run(ReplaySelection(scope: .all), dryRun: false)
            #expect(first.leadsUpdated == 1)
            #expect(try await db.store.lead(id: stored.idText)?[.email] == "right@x")
            #expect(try await db.store.lead(id: stored.idText)?[.firstName] == "Ann")
            let second = try await Replayer(store: db.store).run(ReplaySelection(scope: .all), dryRun: false)
            #expect(second.leadsUpdated == 0)
            #expect(second.changed == 0)
        }
    }
}
