import Foundation
import LeadCore
import Logging
import NIOCore
import SQLiteNIO
import ServiceLifecycle

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk before the
/// sender hears about it, exactly like PostgreSQL.
///
/// One connection serves everything; transactions take turns through `AsyncLock`. As a `Service` the store closes
/// its file when the application shuts down.
public final class SQLiteLeadStore: LeadStore, Service {
    let connection: SQLiteConnection
    let logger: Logger
    let lock = AsyncLock()
    public let path: String

    private init(connection: SQLiteConnection, path: String, logger: Logger) {
        self.connection = connection
        self.path = path
        self.logger = logger
    }

    /// Opens (creating when missing) the database file and its directory.
    public static func open(path: String, logger: Logger) async throws -> SQLiteLeadStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteLeadStore(connection: connection, path: path, logger: logger)
        do {
            // WAL lets readers run beside the writer; FULL makes every commit fsync the log (the durability rule).
            _ = try await store.rows("PRAGMA journal_mode=WAL")
            _ = try await store.rows("PRAGMA synchronous=FULL")
            _ = try await store.rows("PRAGMA busy_timeout=10000")
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await self.close()
    }

    public func close() async throws {
        try await self.lock.withLock {
            if !self.connection.isClosed { try await self.connection.close() }
        }
    }

    public func checkHealth() async throws {
        _ = try await self.rows("SELECT 1")
    }

    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await self.connection.query(sql, binds)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` (or `ROLLBACK` when `rollback`), holding the store's write turn.
    func transaction<T: Sendable>(rollback: Bool = false, _ body: () async throws -> T) async throws -> T {
        try await self.lock.withLock {
            _ = try await self.rows("BEGIN IMMEDIATE")
            do {
                let value = try await body()
                _ = try await self.rows(rollback ? "ROLLBACK" : "COMMIT")
                return value
            } catch {
                _ = try? await self.rows("ROLLBACK")
                throw error
            }
        }
    }
}

extension SQLiteData {
    init(_ text: String?) {
        self = text.map { .text($0) } ?? .null
    }

    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}
