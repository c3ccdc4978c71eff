import LeadStorage
import LeadTestSupport
import Testing

/// A database as the old Node service left it: its Prisma schema exactly, and one row of each kind it could write.
enum OldServiceDatabase {
    /// A lead with the raw row the old service wrote first, under the same id.
    static let leadID = "aaaaaaaa-0000-4000-8000-000000000001"
    /// A raw row whose lead was never committed: the old service's two-commit bug.
    static let orphanRawID = "aaaaaaaa-0000-4000-8000-000000000002"
    /// A lead found only through the `Idempotency-Key` of a raw row with another id.
    static let keyedLeadID = "aaaaaaaa-0000-4000-8000-000000000003"
    static let keyedRawID = "aaaaaaaa-0000-4000-8000-000000000033"

    static let schema = [
        """
        CREATE TABLE "leads_raw" ("id" TEXT NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "idempotency_key" TEXT, "x_request_id" TEXT, "payload" JSONB NOT NULL, CONSTRAINT "leads_raw_pkey" PRIMARY KEY ("id"))
        """,
        """
        CREATE TABLE "leads" ("id" TEXT NOT NULL, "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "click_id" TEXT,
            "country" TEXT, "creo" TEXT, "description" TEXT, "domain" TEXT, "email" TEXT, "first_name" TEXT, "last_name" TEXT,
            "ip" TEXT, "lang" TEXT, "marker" TEXT, "offer" TEXT, "phone" TEXT, "sourcetype" TEXT, "idempotency_key" TEXT,
            "x_request_id" TEXT, "status" TEXT NOT NULL DEFAULT 'new', "assigned_to" INTEGER, CONSTRAINT "leads_pkey" PRIMARY KEY ("id"))
        """,
        #"CREATE INDEX "leads_raw_createdAt_idx" ON "leads_raw"("createdAt")"#,
        #"CREATE UNIQUE INDEX "leads_raw_idempotency_key_key" ON "leads_raw"("idempotency_key")"#,
        #"CREATE INDEX "leads_created_at_idx" ON "leads"("created_at")"#,
        #"CREATE INDEX "leads_status_idx" ON "leads"("status")"#,
        #"CREATE INDEX "leads_email_idx" ON "leads"("email")"#,
        #"CREATE INDEX "leads_phone_idx" ON "leads"("phone")"#,
        #"CREATE UNIQUE INDEX "leads_idempotency_key_key" ON "leads"("idempotency_key")"#,
    ]

    static let prismaMigrations = [
        """
        CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL,
            "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
            "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)
        """,
        """
        INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "applied_steps_count")
        VALUES ('0f1e2d3c-0000-4000-8000-000000000000', 'e3b0c44298fc1c149afbf4c8996fb924', now(), '20240101000000_init', 1)
        """,
    ]
    static let prismaMigrationsIntact = """
        (SELECT count(*) FROM "_prisma_migrations") = 1
        AND (SELECT "migration_name" FROM "_prisma_migrations") = '20240101000000_init'
        """

    /// Payloads are written in another key order than `jsonb` prints them, so the upgraded body shows it is the
    /// database's text of the JSON (all the old service kept), not the text the sender wrote.
    static let rows = [
        """
        INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "payload") VALUES
            ('\(leadID)', '2024-05-01 10:00:00.120', 'old-key', 'old-req', '{"first_name":"Old","email":"old@example.com","click_id":"777"}'),
            ('\(orphanRawID)', '2024-05-02 10:00:00', 'orphan-key', NULL, '{"email":"lost@example.com"}'),
            ('\(keyedRawID)', '2024-05-03 10:00:00', 'key-3', NULL, '{"email":"three@example.com"}')
        """,
        """
        INSERT INTO "leads" ("id", "created_at", "email", "first_name", "click_id", "idempotency_key", "x_request_id") VALUES
            ('\(leadID)', '2024-05-01 10:00:00.123', 'old@example.com', 'Old', '777', 'old-key', 'old-req'),
            ('\(keyedLeadID)', '2024-05-03 10:00:00.456', 'three@example.com', NULL, NULL, 'key-3', NULL)
        """,
    ]

    static let leadBody = Array(#"{"email": "old@example.com", "click_id": "777", "first_name": "Old"}"#.utf8)
    static let orphanBody = Array(#"{"email": "lost@example.com"}"#.utf8)

    /// Builds the old database in the (not yet existing) schema of an unmigrated test database.
    static func create(in db: TestDatabase) async throws {
        let schema = try #require(try PostgresSettings(url: db.location).schema)
        let quoted = "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try await db.execute(["CREATE SCHEMA \(quoted)"] + Self.schema + Self.prismaMigrations + Self.rows)
    }
}

extension TestDatabase {
    /// Checks a fact no store API shows (another tool's table) with PL/pgSQL's `ASSERT`.
    func expectSQL(_ condition: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        await #expect(throws: Never.self, "\(condition)", sourceLocation: sourceLocation) {
            try await self.execute(["DO $$ BEGIN ASSERT \(condition); END $$"])
        }
    }
}
