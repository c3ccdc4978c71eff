import Foundation
import LeadCore
import LeadTestSupport
import Testing

/// `leadcrm migrate` upgrades the old service's database in place: every row kept, each raw row given its outcome.
@Suite struct OldServiceUpgradeTests {
    typealias Old = OldServiceDatabase

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func upgradesTheOldServicesDatabaseKeepingEveryRow() async throws {
        try await TestDatabase.with(.postgres, migrate: false) { db in
            try await Old.create(in: db)
            try await db.store.migrate()

            #expect(try await db.store.leadCount() == 2)
            #expect(try await db.store.submissionCount() == 3)
            let lead = try #require(try await db.store.lead(id: Old.leadID))
            #expect(lead.fields == [.email: "old@example.com", .firstName: "Old", .clickID: "777"])
            #expect(isSameMillisecond(lead.createdAt, Date(timeIntervalSince1970: 1_714_557_600.123)))
            #expect(lead.status == "new")

            let raw = try #require(try await db.store.submission(id: Old.leadID))
            #expect(raw.outcome == .stored)
            #expect(raw.leadID == Old.leadID)
            #expect(raw.body == Old.leadBody)
            #expect(raw.headers == SubmissionHeaders(idempotencyKey: "old-key", requestID: "old-req"))

            let keyed = try #require(try await db.store.submission(id: Old.keyedRawID))
            #expect(keyed.outcome == .stored)
            #expect(keyed.leadID == Old.keyedLeadID)

            // Marked for `leadcrm replay`, which makes the lead the old service never committed.
            let orphan = try #require(try await db.store.submission(id: Old.orphanRawID))
            #expect(orphan.outcome == .failed)
            #expect(orphan.leadID == nil)
            #expect(orphan.error?.isEmpty == false)
            #expect(orphan.body == Old.orphanBody)

            await db.expectSQL(Old.prismaMigrationsIntact)
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func keepsDeduplicatingAgainstTheOldLeads() async throws {
        try await TestDatabase.with(.postgres, migrate: false) { db in
            try await Old.create(in: db)
            try await db.store.migrate()

            let again = RawSubmission.fixture(#"{"email":"old@example.com","note":"second try"}"#, key: "old-key")
            #expect(try await db.store.record(again) == .duplicate(leadID: Old.leadID))
            // Two raw rows with one key: the old unique index on `leads_raw` is gone.
            let rows = try await db.store.submissions(forLead: Old.leadID)
            #expect(rows.map(\.id) == [Old.leadID, again.idText])
            #expect(rows.allSatisfy { $0.headers.idempotencyKey == "old-key" })

            let fresh = RawSubmission.fixture(#"{"email":"new@example.com"}"#, key: "new-key")
            #expect(try await db.store.record(fresh) == .stored(leadID: fresh.idText))
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func migratingTheUpgradedDatabaseAgainChangesNothing() async throws {
        try await TestDatabase.with(.postgres, migrate: false) { db in
            try await Old.create(in: db)
            try await db.store.migrate()
            _ = try await db.store.record(RawSubmission.fixture(#"{"email":"new@example.com"}"#, key: "new-key"))
            let before = try await Self.snapshot(of: db.store)

            try await db.store.migrate()

            #expect(try await Self.snapshot(of: db.store) == before)
            await db.expectSQL(Old.prismaMigrationsIntact)
        }
    }

    struct Snapshot: Equatable {
        var leads: [StoredLead?]
        var submissions: [StoredSubmission?]
        var counts: [Int]
    }

    static func snapshot(of store: any LeadStore) async throws -> Snapshot {
        var snapshot = Snapshot(leads: [], submissions: [], counts: [try await store.leadCount(), try await store.submissionCount()])
        for id in [Old.leadID, Old.keyedLeadID] {
            snapshot.leads.append(try await store.lead(id: id))
        }
        for id in [Old.leadID, Old.orphanRawID, Old.keyedRawID] {
            snapshot.submissions.append(try await store.submission(id: id))
        }
        return snapshot
    }
}
