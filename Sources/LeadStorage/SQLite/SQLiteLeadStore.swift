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
    let database: SQLiteDatabaseFile
    let logger: Logger
    public let path: String
    /// Group commit for intake: one writer (SQLite has one), each transaction as large as the queue, on the intake
    /// writer's thread.
    let batcher: IntakeBatcher<IntakeItem, IntakeResult>

    var connection: SQLiteConnection { self.database.connection }

    /// Live intake's own connection, with its statements prepared once.
    let intakeWriter: SQLiteIntakeWriter
    /// Copies the log into the database file beside the writer, while leads come in (`run()`).
    let checkpointer: SQLiteCheckpointer
    /// Batches written by intake, for the checkpointer.
    let intakeActivity = IntakeActivity()

    private init(connection: SQLiteConnection, writer: SQLiteIntakeWriter, checkpointer: SQLiteCheckpointer, path: String, logger: Logger) {
        let database = SQLiteDatabaseFile(connection: connection)
        self.database = database
        self.intakeWriter = writer
        self.checkpointer = checkpointer
        self.path = path
        self.logger = logger
        let activity = self.intakeActivity
        self.batcher = IntakeBatcher(maxWriters: 1, maxBatch: 256, executor: SQLiteIntakeWriter.executor) { items in
            defer { activity.recordBatch(of: items.count) }
            return try await Self.writeBatch(items, in: database, writer: writer, logger: logger)
        }
    }

    /// Opens (creating when missing) the database file and its directory.
    public static func open(path: String, logger: Logger) async throws -> SQLiteLeadStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let writer: SQLiteIntakeWriter
        let checkpointer: SQLiteCheckpointer
        do {
            writer = try SQLiteIntakeWriter(path: path)
            checkpointer = try SQLiteCheckpointer(path: path)
        } catch {
            try? await connection.close()
            throw error
        }
        let store = SQLiteLeadStore(connection: connection, writer: writer, checkpointer: checkpointer, path: path, logger: logger)
        do {
            // WAL lets readers run beside the writer; FULL makes every commit fsync the log (the durability rule).
            _ = try await store.rows("PRAGMA journal_mode=WAL")
            _ = try await store.rows("PRAGMA synchronous=FULL")
            _ = try await store.rows("PRAGMA busy_timeout=10000")
            try await connection.install(customFunction: Self.lowercase)
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    /// `leadcrm_lower(text)`: lowercasing beyond ASCII (SQLite's `lower` folds only A–Z), for the CRM's search.
    static let lowercaseFunction = "leadcrm_lower"
    static let lowercase = SQLiteCustomFunction(lowercaseFunction, argumentCount: 1, pure: true) { arguments in
        guard case .text(let text)? = arguments.first else { return nil as String? }
        return text.lowercased()
    }

    /// Checkpoints beside intake's writer until shutdown, then closes the file.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.checkpointWhileLeadsComeIn() }
        try await self.close()
    }

    public func close() async throws {
        self.checkpointer.close()
        try await self.database.close()
        try await self.database.lock.withLock { self.intakeWriter.close() }
    }

    /// A passive checkpoint every `interval` while leads come in (`SQLiteCheckpointer`); when none came in, it looks
    /// again after `idleInterval`. Returns when cancelled.
    func checkpointWhileLeadsComeIn(every interval: Duration = .milliseconds(20), idleInterval: Duration = .milliseconds(250)) async {
        var seen = self.intakeActivity.requestCount
        var active = false
        while true {
            do {
                try await Task.sleep(for: active ? interval : idleInterval)
            } catch {
                return
            }
            let count = self.intakeActivity.requestCount
            active = count != seen
            guard active else { continue }
            seen = count
            do {
                _ = try await self.checkpointer.checkpoint()
            } catch {
                // Intake's writer still checkpoints on its own; this only makes it cheaper. Look again later.
                self.logger.warning("checkpoint beside intake failed", metadata: ["error": "\(operatorDescription(of: error))"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    public func checkHealth() async throws {
        _ = try await self.rows("SELECT 1")
    }

    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await self.database.rows(sql, binds)
    }

    func transaction<T: Sendable>(rollback: Bool = false, _ body: () async throws -> T) async throws -> T {
        try await self.database.transaction(rollback: rollback, body)
    }
}

/// The one connection to the SQLite file, and the lock that gives transactions their turn.
final class SQLiteDatabaseFile: Sendable {
    let connection: SQLiteConnection
    let lock = AsyncLock()

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await self.connection.query(sql, binds)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` (or `ROLLBACK` when `rollback`), holding the write turn.
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

    func close() async throws {
        try await self.lock.withLock {
            if !self.connection.isClosed { try await self.connection.close() }
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
