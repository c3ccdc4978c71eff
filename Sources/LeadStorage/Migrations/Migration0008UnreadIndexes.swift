extension Migration {
    /// Drops the indexes on `email` and `phone`: no query of leadcrm reads them, and every lead paid for them.
    ///
    /// The CRM's search looks at email and phone through its own index (the trigram index of migration 5; on SQLite
    /// it scans), and nothing else looks a lead up by either. Their values are random, so each new lead went to a
    /// random page of both: on SQLite two of the three pages per lead that a batch writes to the log at random, on
    /// PostgreSQL two of its index inserts. The old service's full-value indexes had become these prefix ones in
    /// migration 3 (on SQLite they stayed full-value: it has no size limit on an index entry).
    static let unreadIndexes = Migration(
        version: 8,
        name: "no indexes on email and phone",
        postgres: [
            #"DROP INDEX IF EXISTS "leads_email_prefix_idx""#,
            #"DROP INDEX IF EXISTS "leads_phone_prefix_idx""#,
        ],
        sqlite: [
            #"DROP INDEX IF EXISTS "leads_email_idx""#,
            #"DROP INDEX IF EXISTS "leads_phone_idx""#,
        ]
    )
}
