extension Migration {
    /// PostgreSQL's `ANALYZE` of the intake tables keeps statistics only of the columns that a query of leadcrm
    /// filters, joins or sorts by.
    ///
    /// Autovacuum analyzes `leads` and `leads_raw` again each time a tenth more rows came in (every 100,000 leads on
    /// a table of a million). Each time it samples 30,000 rows and sorts every column's values, text by the
    /// database's collation: about 0.7 s of a core for `leads` and 0.37 s for `leads_raw`, in one go, while intake
    /// runs. In two of four 10-s loads at 32 connections on a fresh database, those analyzes took 0.81 and 1.1 s of
    /// CPU, more than all of the load's search index merges (0.56–0.72 s), and without the requests answered
    /// meanwhile leadcrm's own p99 of the load was 10.2 ms instead of 11.8, and 10.6 instead of 10.9.
    ///
    /// No query compares the columns below: search reads email, phone, names and click id through the search index's
    /// expression, whose statistics stay, and keys are looked up through their digest, in a unique index that needs
    /// none. Without their statistics, `ANALYZE` of a table of 74,000 leads took 253–264 ms instead of 665–689 ms for
    /// `leads`, and 228–235 ms instead of 365–367 ms for `leads_raw`. The columns that lists, search, the CRM and
    /// replay filter or sort by keep theirs: `id`, `created_at`, `status`, `assigned_to`, `country`, `sourcetype`,
    /// `domain` and `erased_at` of a lead; `id`, `createdAt`, `outcome`, `lead_id` and `erased_at` of a raw request.
    /// SQLite gathers statistics only when told to, so it has nothing to change.
    static let plannerStatistics = Migration(
        version: 11,
        name: "statistics only of the columns queries compare",
        postgres: [
            Self.noStatistics(
                on: "leads",
                columns: [
                    "click_id", "creo", "description", "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone",
                    "idempotency_key", "x_request_id", "updated_at", "extra", "note", "revision",
                ]
            ),
            #"ALTER INDEX "leads_idempotency_key_digest_key" ALTER COLUMN 1 SET STATISTICS 0"#,
            Self.noStatistics(
                on: "leads_raw",
                columns: [
                    "idempotency_key", "x_request_id", "payload", "body", "truncated", "client_ip", "content_type", "user_agent",
                    "forwarded_for", "error", "body_sha256",
                ]
            ),
        ],
        sqlite: []
    )

    private static func noStatistics(on table: String, columns: [String]) -> String {
        let changes = columns.map { #"ALTER COLUMN "\#($0)" SET STATISTICS 0"# }
        return #"ALTER TABLE "\#(table)" "# + changes.joined(separator: ", ")
    }
}
