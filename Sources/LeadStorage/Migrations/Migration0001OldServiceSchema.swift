extension Migration {
    /// The tables exactly as the old Node service's Prisma migration created them. On a database that service made,
    /// every statement is a no-op; on an empty one, it makes the same starting point, so both upgrade the same way.
    static let oldServiceSchema = Migration(
        version: 1,
        name: "old service schema",
        postgres: [
            """
            CREATE TABLE IF NOT EXISTS "leads_raw" (
                "id" TEXT NOT NULL,
                "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                "idempotency_key" TEXT,
                "x_request_id" TEXT,
                "payload" JSONB NOT NULL,
                CONSTRAINT "leads_raw_pkey" PRIMARY KEY ("id"))
            """,
            """
            CREATE TABLE IF NOT EXISTS "leads" (
                "id" TEXT NOT NULL,
                "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                "click_id" TEXT, "country" TEXT, "creo" TEXT, "description" TEXT, "domain" TEXT,
                "email" TEXT, "first_name" TEXT, "last_name" TEXT, "ip" TEXT, "lang" TEXT,
                "marker" TEXT, "offer" TEXT, "phone" TEXT, "sourcetype" TEXT,
                "idempotency_key" TEXT, "x_request_id" TEXT,
                "status" TEXT NOT NULL DEFAULT 'new',
                "assigned_to" INTEGER,
                CONSTRAINT "leads_pkey" PRIMARY KEY ("id"))
            """,
            #"CREATE INDEX IF NOT EXISTS "leads_raw_createdAt_idx" ON "leads_raw"("createdAt")"#,
            #"CREATE UNIQUE INDEX IF NOT EXISTS "leads_raw_idempotency_key_key" ON "leads_raw"("idempotency_key")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_created_at_idx" ON "leads"("created_at")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_status_idx" ON "leads"("status")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_email_idx" ON "leads"("email")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_phone_idx" ON "leads"("phone")"#,
            #"CREATE UNIQUE INDEX IF NOT EXISTS "leads_idempotency_key_key" ON "leads"("idempotency_key")"#,
        ],
        // SQLite databases were only ever made by leadcrm, so its first migration is already the whole current shape.
        sqlite: [
            """
            CREATE TABLE IF NOT EXISTS "leads_raw" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "createdAt" TEXT NOT NULL,
                "idempotency_key" TEXT,
                "x_request_id" TEXT,
                "payload" TEXT,
                "body" BLOB,
                "truncated" INTEGER NOT NULL DEFAULT 0,
                "outcome" TEXT NOT NULL CHECK ("outcome" IN ('stored', 'duplicate', 'invalid', 'failed', 'queued')),
                "lead_id" TEXT,
                "client_ip" TEXT,
                "content_type" TEXT,
                "user_agent" TEXT,
                "forwarded_for" TEXT,
                "error" TEXT)
            """,
            """
            CREATE TABLE IF NOT EXISTS "leads" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "created_at" TEXT NOT NULL,
                "updated_at" TEXT,
                "click_id" TEXT, "country" TEXT, "creo" TEXT, "description" TEXT, "domain" TEXT,
                "email" TEXT, "first_name" TEXT, "last_name" TEXT, "ip" TEXT, "lang" TEXT,
                "marker" TEXT, "offer" TEXT, "phone" TEXT, "sourcetype" TEXT,
                "idempotency_key" TEXT, "x_request_id" TEXT,
                "status" TEXT NOT NULL DEFAULT 'new',
                "assigned_to" INTEGER,
                "extra" TEXT)
            """,
            #"CREATE INDEX IF NOT EXISTS "leads_raw_createdAt_idx" ON "leads_raw"("createdAt")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_raw_lead_id_idx" ON "leads_raw"("lead_id")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_raw_outcome_idx" ON "leads_raw"("outcome") WHERE "outcome" IN ('failed', 'queued')"#,
            #"CREATE INDEX IF NOT EXISTS "leads_created_at_idx" ON "leads"("created_at")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_status_idx" ON "leads"("status")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_email_idx" ON "leads"("email")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_phone_idx" ON "leads"("phone")"#,
            #"CREATE UNIQUE INDEX IF NOT EXISTS "leads_idempotency_key_key" ON "leads"("idempotency_key")"#,
        ]
    )
}
