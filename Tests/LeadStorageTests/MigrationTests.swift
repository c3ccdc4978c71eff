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

    /// Autovacuum's `ANALYZE` sorts the sampled values of every column that keeps statistics, so the intake tables
    /// keep them only for the columns a query compares (migration 11), and the search index's expression keeps its.
    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func onlyTheColumnsQueriesCompareKeepStatistics() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            func withStatistics(_ relation: String) async throws -> Set<String> {
                let rows = try await store.client.query(
                    """
                    SELECT attname::text FROM pg_attribute
                    WHERE attrelid = to_regclass(\(relation)) AND attnum > 0 AND NOT attisdropped
                        AND coalesce(attstattarget, -1) <> 0
                    """
                )
                var names: Set<String> = []
                for try await name in rows.decode(String.self) {
                    names.insert(name)
                }
                return names
            }
            #expect(
                try await withStatistics("leads")
                    == ["id", "created_at", "status", "assigned_to", "country", "sourcetype", "domain", "erased_at"]
            )
            #expect(try await withStatistics("leads_raw") == ["id", "createdAt", "outcome", "lead_id", "erased_at"])
            #expect(try await withStatistics("leads_idempotency_key_digest_key") == [])
            #expect(try await withStatistics("leads_search_trgm_idx").count == 1)
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
