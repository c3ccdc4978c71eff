import LeadCore
import LeadTestSupport
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
}
