extension Migration {
    /// Values of any length never fail an insert.
    ///
    /// A btree entry over about 2.7 KB fails the insert, so the old full-value indexes on `email`, `phone` and
    /// `idempotency_key` would turn a 100 KB email or a long key into a lost lead. Keys become unique on their
    /// SHA-256 (the same uniqueness, any length); email and phone are indexed on a prefix. The digest function is
    /// declared immutable, which holds because a database's encoding never changes. SQLite has no such limit.
    static let longValues = Migration(
        version: 3,
        name: "long values never fail an insert",
        postgres: [
            """
            CREATE OR REPLACE FUNCTION leadcrm_key_digest(key TEXT) RETURNS BYTEA
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS $$ SELECT pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8')) $$
            """,
            #"CREATE UNIQUE INDEX IF NOT EXISTS "leads_idempotency_key_digest_key" ON "leads"(leadcrm_key_digest("idempotency_key"))"#,
            #"DROP INDEX IF EXISTS "leads_idempotency_key_key""#,
            #"CREATE INDEX IF NOT EXISTS "leads_email_prefix_idx" ON "leads"(left("email", 200))"#,
            #"DROP INDEX IF EXISTS "leads_email_idx""#,
            #"CREATE INDEX IF NOT EXISTS "leads_phone_prefix_idx" ON "leads"(left("phone", 200))"#,
            #"DROP INDEX IF EXISTS "leads_phone_idx""#,
        ],
        sqlite: []
    )
}
