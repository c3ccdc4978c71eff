import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// Intake through `SpoolingLeadStore` while PostgreSQL is unreachable: requests are answered from the spool, at once.
@Suite(.timeLimit(.minutes(1)))
struct SpoolingLeadStoreTests {
    /// Runs `body` with a spooling store over a dead database, its spool in a temporary directory.
    /// (Callers spell out `async throws in`: a closure whose every `try` sits inside `#expect` is inferred not to throw.)
    static func withStoreOverDeadDatabase(
        maxBytes: Int = 1 << 30,
        _ body: (SpoolingLeadStore) async throws -> Void
    ) async throws {
        try await SpoolFixtures.withDirectories { directories in
            try await SpoolFixtures.withDeadDatabase { dead in
                let spool = try SpoolFixtures.open(directories[0], maxBytes: maxBytes)
                defer { spool.close() }
                try await body(SpoolingLeadStore(database: dead, spool: spool, logger: TestDatabase.logger))
            }
        }
    }

    @Test func queuesLeadsWhileTheDatabaseIsDown() async throws {
        try await Self.withStoreOverDeadDatabase { (store: SpoolingLeadStore) async throws in
            let leads = SpoolFixtures.keyedLeads(3)
            for lead in leads {
                #expect(try await store.record(lead) == .queued(leadID: lead.idText))
            }
            #expect(await store.health() == StoreHealth(databaseUp: false, spooled: 3, acceptingLeads: true))

            let again = SpoolFixtures.lead(9, key: leads[0].headers.idempotencyKey)
            #expect(try await store.record(again) == .duplicate(leadID: leads[0].idText))
            let invalid = RawSubmission.fixture(#"{"email": "a@b.c""#)
            #expect(try await store.record(invalid) == .rejected(.invalidJSON))

            #expect(await store.health() == StoreHealth(databaseUp: false, spooled: 5, acceptingLeads: true))
            #expect(store.isDatabaseDown)
        }
    }

    /// While the database is known to be down no request waits for its deadline.
    @Test func answersWithoutWaitingForTheDeadDatabase() async throws {
        try await Self.withStoreOverDeadDatabase { (store: SpoolingLeadStore) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            for lead in SpoolFixtures.keyedLeads(20) {
                _ = try await store.record(lead)
            }
            // 20 deadlines would be 6 s; the spool answers in milliseconds even on a busy machine.
            #expect(clock.now - start < .seconds(3))
        }
    }

    /// A database that was up and stops answering: the request waits out the deadline, then is spooled, and the
    /// store switches to the spool for the requests after it.
    @Test func spoolsARequestTheDatabaseDidNotAnswer() async throws {
        try await Self.withStoreOverDeadDatabase { (store: SpoolingLeadStore) async throws in
            store.markDatabaseUp()
            let lead = SpoolFixtures.lead(1, key: "missed-deadline")
            #expect(try await store.record(lead) == .queued(leadID: lead.idText))
            #expect(store.isDatabaseDown)
            #expect(store.spool.pendingCount == 1)
        }
    }

    /// A key still in the spool is answered by the spool even once the database is back, so its `409` names the
    /// lead id its `202` promised (the database does not know that key yet).
    @Test func answersASpooledKeyFromTheSpoolWhenTheDatabaseIsBack() async throws {
        try await Self.withStoreOverDeadDatabase { (store: SpoolingLeadStore) async throws in
            let first = SpoolFixtures.lead(1, key: "spooled-key")
            #expect(try await store.record(first) == .queued(leadID: first.idText))
            store.markDatabaseUp()

            let again = SpoolFixtures.lead(2, key: "spooled-key")
            #expect(try await store.record(again) == .duplicate(leadID: first.idText))
            // Had it gone to the (dead) database, the store would have marked it down again.
            #expect(!store.isDatabaseDown)
        }
    }

    @Test func reportsUnavailableWhenTheSpoolIsFull() async throws {
        let leads = SpoolFixtures.keyedLeads(3)
        try await Self.withStoreOverDeadDatabase(maxBytes: 2 * SpoolFixtures.recordSize(leads[0])) { (store: SpoolingLeadStore) async throws in
            #expect(try await store.record(leads[0]) == .queued(leadID: leads[0].idText))
            #expect(try await store.record(leads[1]) == .queued(leadID: leads[1].idText))

            // `unavailable` (its only case): the HTTP layer answers 503, and nothing was acknowledged.
            await #expect(throws: LeadStoreError.self) { _ = try await store.record(leads[2]) }
            #expect(await store.health() == StoreHealth(databaseUp: false, spooled: 2, acceptingLeads: false))
        }
    }
}
