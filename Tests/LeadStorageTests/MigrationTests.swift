import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// `leadcrm migrate` runs at every deploy, so running it on an up-to-date database must change nothing.
@Suite struct MigrationTests {
    @Test(arguments: Backend.available)
    func migratingAgainKeepsTheData(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            try await db.store.migrate()
            let submission = RawSubmission.fixture(#"{"email":"a@b.c"}"#, key: "key-1")
            _ = try await db.store.record(submission)
            let lead = try await db.store.lead(id: submission.idText)

            try await db.store.migrate()

            #expect(try await db.store.lead(id: submission.idText) == lead)
            #expect(try await db.store.leadCount() == 1)
            #expect(try await db.store.submissionCount() == 1)
            #expect(try await db.store.record(RawSubmission.fixture(#"{}"#, key: "key-1")) == .duplicate(leadID: submission.idText))
        }
    }

    /// Every index costs every lead its insert, so `leads` keeps only those a query reads. Email and phone are
    /// searched through the search index (PostgreSQL) or a scan (SQLite), never looked up through one of their own.
    @Test(arguments: Backend.available)
    func emailAndPhoneHaveNoIndexOfTheirOwn(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let definitions = try await db.indexDefinitions(on: "leads")
            let onCreationTime = definitions.filter { definition in definition.contains("created_at") }
            #expect(onCreationTime.count == 2)
            let onEmailOrPhone = definitions.filter { definition in
                let coversEither = definition.contains("email") || definition.contains("phone")
                return coversEither && !definition.contains("leads_search_trgm_idx")
            }
            #expect(onEmailOrPhone == [])
        }
    }

    /// Migration 10 rewrites the key digest behind the unique index on keys. Leads whose index entries the old
    /// definition computed must still be found by their keys afterwards, whatever the key's length or characters.
    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func keysDigestedByMigrationThreeStillDeduplicate() async throws {
        try await TestDatabase.with(.postgres) { db in
            try await db.execute(Array(Migration.longValues.postgres.prefix(1)))
            let keys = ["key-1", "Schlüssel-ключ-😀", String(repeating: "k", count: 5000), #"a\b"c'd"#]
            var leadIDs: [String] = []
            for key in keys {
                let submission = RawSubmission.fixture(#"{"email":"a@b.c"}"#, key: key)
                #expect(try await db.store.record(submission) == .stored(leadID: submission.idText))
                leadIDs.append(submission.idText)
            }

            try await db.execute(Migration.keyDigestPlpgsql.postgres)

            for (key, leadID) in zip(keys, leadIDs) {
                #expect(try await db.store.record(RawSubmission.fixture(#"{}"#, key: key)) == .duplicate(leadID: leadID))
            }
        }
    }
}
