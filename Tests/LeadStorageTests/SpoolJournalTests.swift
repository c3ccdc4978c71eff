import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// The spool on its own, without any database: what an append answers, what the journal keeps across a restart, and
/// that group fsync loses nothing under load.
@Suite(.timeLimit(.minutes(1)))
struct SpoolJournalTests {
    @Test func answersQueuedThenDuplicateForOneKey() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let spool = try SpoolFixtures.open(directories[0])
            defer { spool.close() }
            let first = SpoolFixtures.lead(1, key: "journal-key")
            let again = SpoolFixtures.lead(2, key: "journal-key")
            let other = SpoolFixtures.lead(3, key: "other-key")
            let keyless = SpoolFixtures.lead(4)

            let results = try await SpoolFixtures.append([first, again, other, keyless], to: spool)

            #expect(
                results == [
                    .queued(leadID: first.idText), .duplicate(leadID: first.idText), .queued(leadID: other.idText),
                    .queued(leadID: keyless.idText),
                ]
            )
            #expect(spool.pendingCount == 4)
            #expect(spool.leadID(forKey: "journal-key") == first.idText)
            #expect(spool.leadID(forKey: "other-key") == other.idText)
            #expect(spool.leadID(forKey: "never-sent") == nil)
        }
    }

    /// A request that is no lead is kept all the same (the raw row must reach the database), but promises no lead.
    @Test func keepsRejectedRequestsWithoutPromisingALead() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let spool = try SpoolFixtures.open(directories[0])
            defer { spool.close() }
            let notJSON = RawSubmission.fixture(#"{"email":"#, key: "rejected-key")
            let notAnObject = RawSubmission.fixture("[1,2,3]", key: "rejected-key")
            let lead = SpoolFixtures.lead(1, key: "rejected-key")

            let results = try await SpoolFixtures.append([notJSON, notAnObject, lead], to: spool)

            #expect(results == [.rejected(.invalidJSON), .rejected(.invalidPayload), .queued(leadID: lead.idText)])
            #expect(spool.pendingCount == 3)
            #expect(spool.leadID(forKey: "rejected-key") == lead.idText)
        }
    }

    @Test func reopeningRestoresPendingRequestsAndTheKeyIndex() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let leads = SpoolFixtures.keyedLeads(3)
            let again = SpoolFixtures.lead(10, key: leads[0].headers.idempotencyKey)
            let invalid = RawSubmission.fixture(Array("not json \u{0}".utf8) + [0xFF, 0xFE], key: "invalid-key")
            let written = leads + [again, invalid]
            let spool = try SpoolFixtures.open(directories[0])
            _ = try await SpoolFixtures.append(written, to: spool)
            spool.close()

            let reopened = try SpoolFixtures.open(directories[0])
            defer { reopened.close() }
            #expect(reopened.pendingCount == written.count)
            for lead in leads {
                #expect(reopened.leadID(forKey: try #require(lead.headers.idempotencyKey)) == lead.idText)
            }
            #expect(reopened.leadID(forKey: "invalid-key") == nil)
            // Every field of every request survives byte-exact, in order.
            #expect(try reopened.nextBatch()?.submissions == written)
            let later = SpoolFixtures.lead(11, key: leads[1].headers.idempotencyKey)
            #expect(try await SpoolFixtures.append([later], to: reopened) == [.duplicate(leadID: leads[1].idText)])
        }
    }

    /// Appends after `close()` fail instead of being acknowledged without reaching the disk.
    @Test func refusesAppendsAfterClose() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let spool = try SpoolFixtures.open(directories[0])
            spool.close()
            await #expect(throws: Spool.SpoolError.self) {
                _ = try await SpoolFixtures.append([SpoolFixtures.lead(1)], to: spool)
            }
        }
    }

    /// Group fsync: concurrent appends share writes, and every acknowledged one is in the journal.
    @Test func keepsEveryRecordOfManyConcurrentAppends() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let submissions = (0..<500).map { SpoolFixtures.lead($0, key: "concurrent-\($0)") }
            let spool = try SpoolFixtures.open(directories[0])
            let results = try await SpoolFixtures.concurrently(submissions, SpoolFixtures.appender(spool))
            #expect(results.allSatisfy { $0.outcome == .queued })
            #expect(Set(results.compactMap(\.leadID)) == Set(submissions.map(\.idText)))
            #expect(spool.pendingCount == 500)
            spool.close()

            let (pending, read) = try SpoolFixtures.reopenAndRead(directories[0])
            #expect(pending == 500)
            #expect(Set(read.map(\.id)) == Set(submissions.map(\.id)))
        }
    }

    /// Many requests with one key at the same moment: one is told `202` with lead id X, the others `409` with X. X
    /// must be the first request with that key in the journal: that is the one the drain makes the lead, and the one
    /// a reopened spool indexes. (The window is narrow, so the race is run for many keys.)
    @Test func theQueuedRequestComesFirstInTheJournalWhenOneKeyRaces() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let spool = try SpoolFixtures.open(directories[0])
            let promised = try await SpoolFixtures.raceOneKey(rounds: 200, prefix: "race", SpoolFixtures.appender(spool))
            spool.close()

            let (_, journal) = try SpoolFixtures.reopenAndRead(directories[0])
            let reopened = try SpoolFixtures.open(directories[0])
            defer { reopened.close() }
            let firstInJournal = journal.reduce(into: [String: String]()) { first, submission in
                if let key = submission.headers.idempotencyKey, first[key] == nil { first[key] = submission.idText }
            }
            let wrong = promised.keys.sorted().filter { firstInJournal[$0] != promised[$0] }
            #expect(wrong.isEmpty, "\(wrong.count) of \(promised.count) keys: a 409'd request precedes the 202'd one, e.g. \(wrong.prefix(3))")
            let reindexed = promised.keys.sorted().filter { reopened.leadID(forKey: $0) != promised[$0] }
            #expect(reindexed.isEmpty, "\(reindexed.count) of \(promised.count) keys name another lead after a reopen")
        }
    }
}
