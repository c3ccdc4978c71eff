extension Migration {
    /// The CRM: users and their API tokens (only a digest of each secret), the history of changes made to leads,
    /// what a lead and a raw request keep after erasure, and the indexes the lists and the search use.
    ///
    /// The search index is trigram (`pg_trgm`) over the searched columns, so a substring search of a million leads
    /// is an index lookup. Where the extension cannot be created (a server without it, a role that may not), the
    /// migration goes on without the index: search still works, by scanning.
    static let crm = Migration(
        version: 5,
        name: "CRM users, tokens, lead history and erasure",
        postgres: [
            """
            CREATE TABLE IF NOT EXISTS "leadcrm_users" (
                "id" SERIAL PRIMARY KEY,
                "name" TEXT NOT NULL UNIQUE,
                "role" TEXT NOT NULL CHECK ("role" IN ('read', 'manage', 'admin')),
                "created_at" TIMESTAMP(3) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS "leadcrm_tokens" (
                "id" TEXT PRIMARY KEY,
                "user_id" INTEGER NOT NULL REFERENCES "leadcrm_users"("id"),
                "secret_sha256" BYTEA NOT NULL,
                "created_at" TIMESTAMP(3) NOT NULL,
                "revoked_at" TIMESTAMP(3))
            """,
            """
            CREATE TABLE IF NOT EXISTS "leadcrm_lead_events" (
                "id" BIGSERIAL PRIMARY KEY,
                "lead_id" TEXT NOT NULL,
                "at" TIMESTAMP(3) NOT NULL,
                "user_id" INTEGER,
                "kind" TEXT NOT NULL,
                "from_value" TEXT,
                "to_value" TEXT)
            """,
            #"CREATE INDEX IF NOT EXISTS "leadcrm_lead_events_lead_idx" ON "leadcrm_lead_events"("lead_id", "id")"#,
            """
            ALTER TABLE "leads"
                ADD COLUMN IF NOT EXISTS "note" TEXT,
                ADD COLUMN IF NOT EXISTS "revision" INTEGER NOT NULL DEFAULT 0,
                ADD COLUMN IF NOT EXISTS "erased_at" TIMESTAMP(3)
            """,
            """
            ALTER TABLE "leads_raw"
                ADD COLUMN IF NOT EXISTS "body_sha256" BYTEA,
                ADD COLUMN IF NOT EXISTS "erased_at" TIMESTAMP(3)
            """,
            #"CREATE INDEX IF NOT EXISTS "leads_assigned_to_idx" ON "leads"("assigned_to", "created_at") WHERE "assigned_to" IS NOT NULL"#,
            """
            DO $$
            DECLARE
                "trgm_schema" name;
            BEGIN
                BEGIN
                    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
                EXCEPTION WHEN OTHERS THEN
                    RAISE NOTICE 'pg_trgm is not available (%); lead search will scan', SQLERRM;
                END;
                SELECT "n"."nspname" INTO "trgm_schema"
                FROM pg_extension AS "e" JOIN pg_namespace AS "n" ON "n"."oid" = "e"."extnamespace"
                WHERE "e"."extname" = 'pg_trgm';
                IF "trgm_schema" IS NOT NULL THEN
                    EXECUTE format($index$
                        CREATE INDEX IF NOT EXISTS "leads_search_trgm_idx" ON "leads" USING gin (
                            lower(substr(coalesce("email", '') || ' ' || coalesce("phone", '') || ' ' || coalesce("first_name", '')
                                || ' ' || coalesce("last_name", '') || ' ' || coalesce("click_id", ''), 1, 1000)) %I.gin_trgm_ops)
                    $index$, "trgm_schema");
                END IF;
            END
            $$
            """,
        ],
        sqlite: [
            """
            CREATE TABLE IF NOT EXISTS "leadcrm_users" (
                "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                "name" TEXT NOT NULL UNIQUE,
                "role" TEXT NOT NULL CHECK ("role" IN ('read', 'manage', 'admin')),
                "created_at" TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS "leadcrm_tokens" (
                "id" TEXT PRIMARY KEY,
                "user_id" INTEGER NOT NULL REFERENCES "leadcrm_users"("id"),
                "secret_sha256" BLOB NOT NULL,
                "created_at" TEXT NOT NULL,
                "revoked_at" TEXT)
            """,
            """
            CREATE TABLE IF NOT EXISTS "leadcrm_lead_events" (
                "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                "lead_id" TEXT NOT NULL,
                "at" TEXT NOT NULL,
                "user_id" INTEGER,
                "kind" TEXT NOT NULL,
                "from_value" TEXT,
                "to_value" TEXT)
            """,
            #"CREATE INDEX IF NOT EXISTS "leadcrm_lead_events_lead_idx" ON "leadcrm_lead_events"("lead_id", "id")"#,
            #"ALTER TABLE "leads" ADD COLUMN "note" TEXT"#,
            #"ALTER TABLE "leads" ADD COLUMN "revision" INTEGER NOT NULL DEFAULT 0"#,
            #"ALTER TABLE "leads" ADD COLUMN "erased_at" TEXT"#,
            #"ALTER TABLE "leads_raw" ADD COLUMN "body_sha256" BLOB"#,
            #"ALTER TABLE "leads_raw" ADD COLUMN "erased_at" TEXT"#,
            #"CREATE INDEX IF NOT EXISTS "leads_assigned_to_idx" ON "leads"("assigned_to", "created_at") WHERE "assigned_to" IS NOT NULL"#,
        ]
    )
}
