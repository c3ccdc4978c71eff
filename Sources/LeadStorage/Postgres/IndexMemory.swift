import Logging
import PostgresNIO

/// PostgreSQL's page memory (`shared_buffers`) against the two indexes intake writes to all over.
///
/// A sender's idempotency keys are random, so every new lead adds an entry to a random page of the key index, and
/// the search index's merges write to pages all over it. While both fit in `shared_buffers`, those pages stay in
/// PostgreSQL's memory; once they outgrow it, nearly every lead reads a page back from the operating system first.
/// On ten million leads with PostgreSQL's default 128 MB, intake made 18.6% fewer requests/s than on an empty table,
/// and 6.1% fewer with 2 GB. Only a superuser can raise the setting (and it takes a restart), so leadcrm warns.
struct IndexMemory: Sendable, Equatable {
    /// `shared_buffers` in bytes.
    var sharedBuffers: Int64
    /// The unique index on the key digest (`leads_idempotency_key_digest_key`), in bytes; 0 when absent.
    var keyIndex: Int64
    /// The trigram search index (`leads_search_trgm_idx`), in bytes; 0 when absent (no `pg_trgm`, or dropped).
    var searchIndex: Int64

    var indexes: Int64 { self.keyIndex + self.searchIndex }

    /// Whether the two indexes no longer fit in `shared_buffers`.
    var isOutgrown: Bool { self.indexes > self.sharedBuffers }

    /// A `shared_buffers` that holds both indexes with a quarter to spare for the tables' newest pages and the
    /// indexes' growth, in whole 128 MB.
    var suggestedSharedBuffers: Int64 {
        let unit: Int64 = 128 << 20
        return (self.indexes + self.indexes / 4 + unit - 1) / unit * unit
    }

    /// The setting's fix, in PostgreSQL's unit syntax.
    var fix: String { "ALTER SYSTEM SET shared_buffers = '\(self.suggestedSharedBuffers >> 20)MB' (then restart PostgreSQL)" }

    /// Bytes in whole megabytes, or kilobytes below one; rounded up, so that a small index does not read as none.
    static func size(_ bytes: Int64) -> String {
        bytes < 1 << 20 ? "\((bytes + 1023) >> 10) kB" : "\((bytes + (1 << 20) - 1) >> 20) MB"
    }
}

extension PostgresLeadStore {
    /// The sizes as this store's sessions see them (the indexes are looked up on the search path, the store's schema).
    func indexMemory() async throws -> IndexMemory? {
        try await self.perform { client in
            let rows = try await client.query(
                """
                SELECT (SELECT "setting"::int8 FROM pg_settings WHERE "name" = 'shared_buffers')
                        * current_setting('block_size')::int8,
                    coalesce(pg_relation_size(to_regclass('leads_idempotency_key_digest_key')), 0)::int8,
                    coalesce(pg_relation_size(to_regclass('leads_search_trgm_idx')), 0)::int8
                """,
                logger: self.logger
            )
            for try await (buffers, key, search) in rows.decode((Int64, Int64, Int64).self) {
                return IndexMemory(sharedBuffers: buffers, keyIndex: key, searchIndex: search)
            }
            return nil
        }
    }

    /// Warns when the key and search indexes have outgrown `shared_buffers`. Advisory: a failure to read the sizes
    /// is only logged at debug level.
    func warnIfIndexesOutgrowMemory() async {
        do {
            guard let memory = try await self.indexMemory(), memory.isOutgrown else { return }
            self.logger.warning(
                "PostgreSQL's shared_buffers no longer holds the key and search indexes, which every new lead writes to at random pages: intake reads pages back from the operating system and slows down; a superuser can raise it where the machine has the memory",
                metadata: [
                    "postgres.shared_buffers": "\(IndexMemory.size(memory.sharedBuffers))",
                    "postgres.key_index": "\(IndexMemory.size(memory.keyIndex))",
                    "postgres.search_index": "\(IndexMemory.size(memory.searchIndex))",
                    "fix": "\(memory.fix)",
                ]
            )
        } catch {
            self.logger.debug("could not read the index sizes", metadata: ["error": "\(operatorDescription(of: error))"])
        }
    }
}
