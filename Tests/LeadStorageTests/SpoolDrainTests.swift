import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// Spooled requests reach PostgreSQL through the same transaction as live intake, in journal order, each exactly
/// once (by raw row id), whatever crashed, retried or raced in between.
@Suite(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(2)))
struct SpoolDrainTests {
    @Test func drainsAJournalLeftByAnEarlierProcessOnce() async throws {
        try await Self.withDatabaseAndDirectories(2) { database, directories in
            let (journal, copy) = (directories[0], directories[1])
            let first = SpoolFixtures.lead(1, key: "drain-a")
            let second = SpoolFixtures.lead(2, key: "drain-b")
            let again = SpoolFixtures.lead(3, key: "drain-a")
            let invalid = RawSubmission.fixture(#"{"email":"#, key: "drain-c")
            let keyless = SpoolFixtures.lead(4)
            let results = try await SpoolFixtures.withDeadDatabase { dead in
                try await SpoolFixtures.spoolDuringOutage([first, second, again, invalid, keyless], in: journal, deadDatabase: dead)
            }
            #expect(
                results == [
                    .queued(leadID: first.idText), .queued(leadID: second.idText), .duplicate(leadID: first.idText),
                    .rejected(.invalidJSON), .queued(leadID: keyless.idText),
                ]
            )
            try FileManager.default.copyItem(atPath: journal, toPath: copy)

            try await Self.drainCompletely(journal, into: database)

            for lead in [first, second, keyless] {
                try await Self.expectLead(lead, in: database)
            }
            try await Self.expectRaw(again, outcome: .duplicate, leadID: first.idText, in: database)
            try await Self.expectRaw(invalid, outcome: .invalid, leadID: nil, in: database)
            #expect(try await database.lead(id: again.idText) == nil)
            #expect(try await Self.counts(database) == [3, 5])

            // The same journal once more, as after a crash before its segments were removed: nothing is written twice.
            try await Self.drainCompletely(copy, into: database)
            #expect(try await Self.counts(database) == [3, 5])
        }
    }

    /// A drain cut short by a crash (requests written, the spool not told) resumes without writing any twice.
    @Test func resumesADrainCutShortByACrash() async throws {
        try await Self.withDatabaseAndDirectories { database, directories in
            let requests = SpoolFixtures.keyedLeads(5) + [SpoolFixtures.lead(9, key: "key-1001")]
            let spool = try SpoolFixtures.open(directories[0])
            _ = try await SpoolFixtures.append(requests, to: spool)
            for submission in try #require(try spool.nextBatch()).submissions.prefix(3) {
                #expect(try await database.recordIfAbsent(submission)?.outcome == .stored)
            }
            spool.close()

            try await Self.drainCompletely(directories[0], into: database)

            for lead in requests.prefix(5) {
                try await Self.expectLead(lead, in: database)
            }
            try await Self.expectRaw(requests[5], outcome: .duplicate, leadID: requests[1].idText, in: database)
            #expect(try await Self.counts(database) == [5, 6])
        }
    }

    /// Two instances, each with its own spool, both took a request with one key during the outage: once drained,
    /// the key names one lead and the other request is its duplicate.
    @Test func resolvesAKeyTwoInstancesSpooledToOneLead() async throws {
        try await Self.withDatabaseAndDirectories(2) { database, directories in
            let shared = "shared-\(UUID().uuidString)"
            let sharedRequests = [SpoolFixtures.lead(1, key: shared, tag: "instance-a"), SpoolFixtures.lead(1, key: shared, tag: "instance-b")]
            let unique = [SpoolFixtures.keyedLeads(3, prefix: "a"), SpoolFixtures.keyedLeads(3, prefix: "b")]
            try await SpoolFixtures.withDeadDatabase { dead in
                for (index, directory) in directories.enumerated() {
                    let requests = [sharedRequests[index]] + unique[index]
                    let results = try await SpoolFixtures.spoolDuringOutage(requests, in: directory, deadDatabase: dead)
                    #expect(results.allSatisfy { $0.outcome == .queued })
                }
            }

            // Both instances come back and drain at the same time.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for directory in directories {
                    group.addTask { try await Self.drainCompletely(directory, into: database) }
                }
                try await group.waitForAll()
            }

            var winners: [RawSubmission] = []
            for request in sharedRequests {
                if try await database.lead(id: request.idText) != nil { winners.append(request) }
            }
            try #require(winners.count == 1)
            let loser = try #require(sharedRequests.first { $0 != winners[0] })
            try await Self.expectLead(winners[0], in: database)
            try await Self.expectRaw(loser, outcome: .duplicate, leadID: winners[0].idText, in: database)
            for lead in unique.joined() {
                try await Self.expectLead(lead, in: database)
            }
            #expect(try await Self.counts(database) == [7, 8])
        }
    }

    /// The original write committed after intake gave up on it and spooled the request: the drain finds the raw row
    /// and writes nothing. A later spooled request with that key becomes a duplicate of the committed lead.
    @Test func skipsARequestWhoseOriginalWriteCommittedAfterItsDeadline() async throws {
        try await Self.withDatabaseAndDirectories { database, directories in
            let late = SpoolFixtures.lead(1, key: "late-commit")
            let sameKey = SpoolFixtures.lead(2, key: "late-commit")
            #expect(try await database.record(late, as: SubmissionInterpretation(of: late)) == .stored(leadID: late.idText))
            let spool = try SpoolFixtures.open(directories[0])
            let results = try await SpoolFixtures.append([late, sameKey], to: spool)
            #expect(results == [.queued(leadID: late.idText), .duplicate(leadID: late.idText)])
            spool.close()

            try await Self.drainCompletely(directories[0], into: database)

            try await Self.expectLead(late, in: database)
            try await Self.expectRaw(sameKey, outcome: .duplicate, leadID: late.idText, in: database)
            #expect(try await Self.counts(database) == [1, 2])
        }
    }

    // MARK: - Helpers

    static func withDatabaseAndDirectories(
        _ count: Int = 1,
        _ body: @escaping @Sendable (PostgresLeadStore, [String]) async throws -> Void
    ) async throws {
        try await TestDatabase.with(.postgres) { db in
            let database = try #require(db.store as? PostgresLeadStore)
            try await SpoolFixtures.withDirectories(count) { try await body(database, $0) }
        }
    }

    /// Drains a spool directory into the database and checks that nothing is left but one empty journal file.
    static func drainCompletely(_ directory: String, into database: PostgresLeadStore, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let spool = try await SpoolFixtures.drain(directory, into: database, sourceLocation: sourceLocation)
        #expect(spool.pendingCount == 0, sourceLocation: sourceLocation)
        spool.close()
        #expect(try SpoolFixtures.journalFiles(in: directory).count == 1, sourceLocation: sourceLocation)
    }

    /// `[leads, raw rows]`.
    static func counts(_ database: PostgresLeadStore) async throws -> [Int] {
        [try await database.leadCount(), try await database.submissionCount()]
    }

    /// The request is a lead of its own, with the fields its body normalizes to, and its raw row says `stored`.
    static func expectLead(_ submission: RawSubmission, in database: PostgresLeadStore, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let lead = try #require(try await database.lead(id: submission.idText), sourceLocation: sourceLocation)
        guard case .lead(let normalized) = SubmissionInterpretation(of: submission) else {
            Issue.record("the fixture is no lead", sourceLocation: sourceLocation)
            return
        }
        #expect(lead.fields == normalized.fields, sourceLocation: sourceLocation)
        #expect(lead[.email] != nil, sourceLocation: sourceLocation)
        #expect(lead.idempotencyKey == submission.headers.idempotencyKey, sourceLocation: sourceLocation)
        #expect(lead.requestID == submission.headers.requestID, sourceLocation: sourceLocation)
        #expect(isSameMillisecond(lead.createdAt, submission.receivedAt), sourceLocation: sourceLocation)
        try await self.expectRaw(submission, outcome: .stored, leadID: submission.idText, in: database, sourceLocation: sourceLocation)
    }

    /// The request's raw row: kept as received, with `outcome` and linked to `leadID`.
    static func expectRaw(
        _ submission: RawSubmission,
        outcome: IntakeOutcome,
        leadID: String?,
        in database: PostgresLeadStore,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let raw = try #require(try await database.submission(id: submission.idText), sourceLocation: sourceLocation)
        #expect(raw.outcome == outcome, sourceLocation: sourceLocation)
        #expect(raw.leadID == leadID, sourceLocation: sourceLocation)
        #expect(raw.body == submission.body, sourceLocation: sourceLocation)
        #expect(raw.headers == submission.headers, sourceLocation: sourceLocation)
        #expect(raw.clientAddress == submission.clientAddress, sourceLocation: sourceLocation)
        #expect(isSameMillisecond(raw.receivedAt, submission.receivedAt), sourceLocation: sourceLocation)
    }
}
