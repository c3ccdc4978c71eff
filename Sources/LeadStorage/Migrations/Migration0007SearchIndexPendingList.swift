extension Migration {
    /// The search index's pending list may grow to 8 MB before an insert merges it itself (the default is 4 MB):
    /// `SearchIndexMaintenance` merges it after every few thousand requests while leads come in, and this is only
    /// the backstop for a burst. Nothing to do where the index does not exist.
    static let searchIndexPendingList = Migration(
        version: 7,
        name: "search index pending list merged by leadcrm",
        postgres: [
            """
            DO $$
            BEGIN
                IF to_regclass('leads_search_trgm_idx') IS NOT NULL THEN
                    ALTER INDEX "leads_search_trgm_idx" SET (gin_pending_list_limit = 8192);
                END IF;
            END
            $$
            """
        ],
        sqlite: []
    )
}
