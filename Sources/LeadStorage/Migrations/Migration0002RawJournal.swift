extension Migration {
    /// Turns `leads_raw` into the record of every request: exact bytes, headers, client and outcome.
    ///
    /// The old service's unique key on `leads_raw.idempotency_key` goes, because a duplicate's request is kept too.
    /// Rows it wrote get their JSON as `body` and an outcome; a raw row with no lead behind it (the old service's
    /// two-commit bug) becomes `failed`, so `leadcrm replay` can still turn it into the lead it should have been.
    static let rawJournal = Migration(
        version: 2,
        name: "raw request journal",
        postgres: [
            #"ALTER TABLE "leads_raw" ALTER COLUMN "payload" DROP NOT NULL"#,
            """
            ALTER TABLE "leads_raw"
                ADD COLUMN IF NOT EXISTS "body" BYTEA,
                ADD COLUMN IF NOT EXISTS "truncated" BOOLEAN NOT NULL DEFAULT false,
                ADD COLUMN IF NOT EXISTS "outcome" TEXT,
                ADD COLUMN IF NOT EXISTS "lead_id" TEXT,
                ADD COLUMN IF NOT EXISTS "client_ip" TEXT,
                ADD COLUMN IF NOT EXISTS "content_type" TEXT,
                ADD COLUMN IF NOT EXISTS "user_agent" TEXT,
                ADD COLUMN IF NOT EXISTS "forwarded_for" TEXT,
                ADD COLUMN IF NOT EXISTS "error" TEXT
            """,
            #"DROP INDEX IF EXISTS "leads_raw_idempotency_key_key""#,
            #"UPDATE "leads_raw" SET "body" = convert_to("payload"::text, 'UTF8') WHERE "body" IS NULL AND "payload" IS NOT NULL"#,
            """
            UPDATE "leads_raw" AS r SET "outcome" = 'stored', "lead_id" = l."id"
            FROM "leads" AS l WHERE r."outcome" IS NULL AND l."id" = r."id"
            """,
            """
            UPDATE "leads_raw" AS r SET "outcome" = 'stored', "lead_id" = l."id"
            FROM "leads" AS l
            WHERE r."outcome" IS NULL AND r."idempotency_key" IS NOT NULL AND l."idempotency_key" = r."idempotency_key"
            """,
            """
            UPDATE "leads_raw" SET "outcome" = 'failed', "error" = 'no lead found for this request when upgrading from the old service'
            WHERE "outcome" IS NULL
            """,
            #"ALTER TABLE "leads_raw" ALTER COLUMN "outcome" SET NOT NULL"#,
            """
            ALTER TABLE "leads_raw" ADD CONSTRAINT "leads_raw_outcome_check"
                CHECK ("outcome" IN ('stored', 'duplicate', 'invalid', 'failed', 'queued'))
            """,
            #"CREATE INDEX IF NOT EXISTS "leads_raw_lead_id_idx" ON "leads_raw"("lead_id")"#,
            #"CREATE INDEX IF NOT EXISTS "leads_raw_outcome_idx" ON "leads_raw"("outcome") WHERE "outcome" IN ('failed', 'queued')"#,
            #"ALTER TABLE "leads" ADD COLUMN IF NOT EXISTS "updated_at" TIMESTAMP(3), ADD COLUMN IF NOT EXISTS "extra" JSONB"#,
        ],
        sqlite: []
    )
}
