import LeadCore
import SQLiteNIO

extension SQLiteLeadStore {
    /// Applies pending migrations; the write lock (and SQLite's own, for other processes) keeps them single-file.
    public func migrate() async throws {
        let applied = try await self.transaction { () -> [Migration] in
            _ = try await self.rows(
                """
                CREATE TABLE IF NOT EXISTS "leadcrm_migrations" (
                    "version" INTEGER PRIMARY KEY,
                    "name" TEXT NOT NULL,
                    "applied_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
                """
            )
            let done = Set(try await self.rows(#"SELECT "version" FROM "leadcrm_migrations""#).compactMap { $0.column("version")?.integer })
            var applied: [Migration] = []
            for migration in Migration.all where !done.contains(migration.version) {
                for statement in migration.sqlite {
                    _ = try await self.rows(statement)
                }
                _ = try await self.rows(
                    #"INSERT INTO "leadcrm_migrations" ("version", "name") VALUES (?, ?)"#,
                    [.integer(migration.version), .text(migration.name)]
                )
                applied.append(migration)
            }
            return applied
        }
        for migration in applied {
            self.logger.info("applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
        }
    }
}
