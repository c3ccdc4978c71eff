import LeadCore
import PostgresNIO

extension PostgresLeadStore {
    /// Applies pending migrations. A transaction-scoped advisory lock makes concurrent starts of several leadcrm
    /// processes take turns, so each migration runs exactly once. Then warns when the server's settings would copy
    /// intake's leads into its log (`StatementLogging`), or when its page memory no longer holds the indexes intake
    /// writes to all over (`IndexMemory`).
    public func migrate() async throws {
        let logger = self.logger
        let schema = self.settings.schema
        let applied = try await self.perform(deadline: .seconds(300)) { client in
            try await client.withTransaction(logger: logger) { connection -> [Migration] in
                try await connection.query("SELECT pg_advisory_xact_lock(7406512771)", logger: logger)
                if let schema {
                    let name = PostgresSettings.quoteIdentifier(schema)
                    try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: name)", logger: logger)
                }
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS "leadcrm_migrations" (
                        "version" INTEGER PRIMARY KEY,
                        "name" TEXT NOT NULL,
                        "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now())
                    """,
                    logger: logger
                )
                var done: Set<Int> = []
                for try await version in try await connection.query(#"SELECT "version" FROM "leadcrm_migrations""#, logger: logger)
                    .decode(Int.self)
                {
                    done.insert(version)
                }
                var applied: [Migration] = []
                for migration in Migration.all where !done.contains(migration.version) {
                    for statement in migration.postgres {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        #"INSERT INTO "leadcrm_migrations" ("version", "name") VALUES (\#(migration.version), \#(migration.name))"#,
                        logger: logger
                    )
                    applied.append(migration)
                }
                return applied
            }
        }
        for migration in applied {
            logger.info("applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
        }
        await self.warnIfStatementsLogLeads()
        await self.warnIfIndexesOutgrowMemory()
    }
}
