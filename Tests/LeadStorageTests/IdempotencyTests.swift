import LeadCore
import LeadStorage
import LeadTestSupport
import PostgresNIO
import Testing

/// An `Idempotency-Key` names one lead for good; every later request with it is kept and linked to that lead.
@Suite struct IdempotencyTests {
    @Test(arguments: Backend.available)
    func keepsADuplicatesDifferentPayloadLinkedToTheFirstLead(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let first = RawSubmission.fixture(#"{"email":"first@example.com"}"#, key: "same-key")
            let second = RawSubmission.fixture(#"{"email":"second@example.com","phone":"+1 555"}"#, key: "same-key")
            #expect(try await db.store.record(first) == .stored(leadID: first.idText))
            #expect(try await db.store.record(second) == .duplicate(leadID: first.idText))

            #expect(try await db.store.leadCount() == 1)
            #expect(try await db.store.lead(id: second.idText) == nil)
            let rows = try await db.store.submissions(forLead: first.idText)
            #expect(rows.map(\.id).sorted() == [first.idText, second.idText].sorted())
            #expect(rows.allSatisfy { $0.leadID == first.idText })
            let duplicate = try await db.store.requireSubmission(second)
            #expect(duplicate.outcome == .duplicate)
            // The old service threw this payload away; here it is kept as sent.
            #expect(duplicate.body == second.body)
            #expect(try await db.store.requireSubmission(first).outcome == .stored)
        }
    }

    /// Many instances share one database, so the key must hold under concurrent requests, not only sequential ones.
    @Test(arguments: Backend.available)
    func storesOneLeadWhenManyRequestsRaceWithOneKey(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let submissions = (0..<50).map { RawSubmission.fixture(#"{"email":"racer\#($0)@example.com"}"#, key: "race-key") }
            let results = try await withThrowingTaskGroup(of: IntakeResult.self) { group in
                for submission in submissions {
                    group.addTask { try await db.store.record(submission) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            let stored = results.filter { $0.outcome == .stored }
            try #require(stored.count == 1)
            let leadID = try #require(stored.first?.leadID)
            #expect(results.filter { $0 == .duplicate(leadID: leadID) }.count == 49)
            #expect(try await db.store.leadCount() == 1)
            #expect(try await db.store.submissionCount() == 50)
        }
    }

    /// Another instance on the same database commits a lead with the key while a lone request's statement, which
    /// sees the database as it began, is already waiting on that key: the request is still a duplicate of that lead,
    /// not a failure.
    @Test(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(1)))
    func aKeyTakenByAnotherInstanceMidStatementIsADuplicate() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            let late = RawSubmission.fixture(#"{"email":"late@example.com"}"#, key: "taken-mid-statement")
            try await store.client.withConnection { other in
                try await other.query("BEGIN", logger: TestDatabase.logger)
                try await other.query(
                    """
                    INSERT INTO "leads" ("id", "created_at", "updated_at", "idempotency_key", "status")
                    VALUES ('other-instance-lead', now(), now(), 'taken-mid-statement', 'new')
                    """,
                    logger: TestDatabase.logger
                )
                async let result = store.record(late)
                // Commit only once the request's statement waits on the uncommitted key.
                var waiting = false
                for _ in 0..<200 where !waiting {
                    let rows = try await store.client.query(
                        "SELECT count(*)::int8 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'transactionid'",
                        logger: TestDatabase.logger
                    )
                    for try await count in rows.decode(Int.self) { waiting = count > 0 }
                    if !waiting { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(waiting, "the request's statement never waited on the key")
                try await other.query("COMMIT", logger: TestDatabase.logger)
                #expect(try await result == .duplicate(leadID: "other-instance-lead"))
            }
            let raw = try await db.store.requireSubmission(late)
            #expect(raw.outcome == .duplicate)
            #expect(raw.leadID == "other-instance-lead")
            #expect(try await db.store.leadCount() == 1)
        }
    }
}
