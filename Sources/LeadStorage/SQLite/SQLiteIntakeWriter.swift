import Foundation
import LeadCore
import NIOPosix
import SQLiteNIO
import VaporCSQLite

/// Live intake's batches on SQLite, through a connection of their own with statements prepared once.
///
/// A batch through the general connection costs a thread hop per statement (and one per returned row) and parses
/// a fresh multi-row statement each time. Here the whole batch — `BEGIN IMMEDIATE`, a lead and a raw row per
/// request, `COMMIT` — runs at once on the writer's own thread (`thread`) with prepared single-row statements, which
/// SQLite executes in microseconds. The rules are `IntakeWriter.recordBatch`'s: the first of a repeated key wins, later
/// ones become its duplicates, every request gets its raw row. Any statement failing rolls the batch back and
/// throws; the store then writes the batch again request by request, with a savepoint each, on the general
/// connection. The store's write turn (`SQLiteDatabaseFile.lock`) is held around every batch, so this connection
/// and the general one never write at the same time.
final class SQLiteIntakeWriter: @unchecked Sendable {
    // Only used on `thread`, by one batch at a time (under the store's write turn).
    private var handle: OpaquePointer?
    private var insertLead: OpaquePointer?
    private var findLead: OpaquePointer?
    private var insertRaw: OpaquePointer?

    /// The thread batches are written on, one after the other. The store's batcher runs its writer here
    /// (`executor`), so a batch's statements and its fsync run at once, where the writer is, and the next batch
    /// follows as soon as the writer has handed out the answers. They block the thread, which is what it is for:
    /// nothing else runs on it. One for the process, like NIO's own singletons.
    ///
    /// Before, the writer ran on the server's event loops and each batch was a job for a thread-pool thread: two
    /// thread hops per batch, the second queueing behind HTTP work on a loop. At 32 connections, each of the two
    /// waited for a core about 40% of its time (`/proc/…/schedstat`). In alternating runs at 32 connections this
    /// thread gave 11% and 10% more requests/s (7 of 8 slices either way round) and less CPU per request. At 256
    /// connections the p99 went up (31–81 ms against 30–40 ms), most likely as the next batch starts at once while the
    /// event loops that write the answers wait for a core.
    static let thread: any EventLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()
    static let executor = EventLoopExecutor(thread)

    struct Failure: Error, CustomStringConvertible, DatabaseErrorDescribing {
        let message: String
        var description: String { "SQLite: \(self.message)" }
        var databaseMessage: String { self.message }
        var isStatementFailure: Bool { true }
    }

    init(path: String) throws {
        self.handle = try Self.openConnection(
            path: path,
            pragmas: [
                "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=10000",
                // The store's checkpointer copies the log as it grows (`SQLiteCheckpointer`); this connection's own
                // checkpoint, which lets the log start over, need not come every 1,000 pages (4 MB) as by default.
                "PRAGMA wal_autocheckpoint=4000",
            ]
        )
    }

    /// Opens a connection of its own to the file and runs `pragmas` on it; closes it again if any of that fails.
    static func openConnection(path: String, pragmas: [String]) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        var status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        for pragma in pragmas where status == SQLITE_OK {
            status = sqlite_nio_sqlite3_exec(handle, pragma, nil, nil, nil)
        }
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw Failure(message: message)
        }
        return handle
    }

    /// Prepares the statements on first use: the tables exist only once the store is migrated.
    private func prepareStatements() throws {
        guard self.insertLead == nil else { return }
        self.insertLead = try self.prepare(SQLiteLeadTransaction.insertLeadSQL)
        self.findLead = try self.prepare(SQLiteLeadTransaction.existingLeadSQL)
        self.insertRaw = try self.prepare(SQLiteLeadTransaction.insertRawSQL)
    }

    deinit {
        self.close()
    }

    func close() {
        for statement in [self.insertLead, self.findLead, self.insertRaw] {
            if let statement { sqlite_nio_sqlite3_finalize(statement) }
        }
        (self.insertLead, self.findLead, self.insertRaw) = (nil, nil, nil)
        if let handle = self.handle { sqlite_nio_sqlite3_close_v2(handle) }
        self.handle = nil
    }

    /// Writes the batch in one transaction on `thread`: at once when called there, as the batcher's writer is.
    func write(_ items: [IntakeItem]) async throws -> [IntakeResult] {
        if Self.thread.inEventLoop { return try self.writeNow(items) }
        return try await Self.thread.submit { try self.writeNow(items) }.get()
    }

    private func writeNow(_ items: [IntakeItem]) throws -> [IntakeResult] {
        guard self.handle != nil else { throw Failure(message: "closed") }
        try self.prepareStatements()
        try self.execute("BEGIN IMMEDIATE")
        do {
            var results: [IntakeResult] = []
            results.reserveCapacity(items.count)
            for item in items {
                let result = try self.record(item)
                try self.insertRaw(item.submission, outcome: result.outcome, leadID: result.leadID)
                results.append(result)
            }
            try self.execute("COMMIT")
            return results
        } catch {
            try? self.execute("ROLLBACK")
            throw error
        }
    }

    private func record(_ item: IntakeItem) throws -> IntakeResult {
        guard case .lead(let lead) = item.interpretation else {
            if case .rejected(let rejection) = item.interpretation { return .rejected(rejection) }
            throw Failure(message: "unexpected interpretation")
        }
        let submission = item.submission
        let id = submission.idText
        let key = submission.headers.idempotencyKey
        let binds = SQLiteLeadTransaction.leadBinds(
            lead,
            id: id,
            createdAt: submission.receivedAt,
            idempotencyKey: key,
            requestID: submission.headers.requestID
        )
        try self.run(self.insertLead, binds)
        if sqlite_nio_sqlite3_changes(self.handle) == 1 { return .stored(leadID: id) }
        // The id or the key is taken (by an earlier lead, or one earlier in this batch).
        guard let holder = try self.run(self.findLead, [.text(id), SQLiteData(key)]) else {
            throw Failure(message: "a lead conflicts on its key, but no lead holds it")
        }
        return holder == id ? .stored(leadID: id) : .duplicate(leadID: holder)
    }

    private func insertRaw(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?) throws {
        try self.run(self.insertRaw, SQLiteLeadTransaction.rawBinds(submission, outcome: outcome, leadID: leadID, error: submission.bodyError))
    }

    // MARK: statements

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        try self.check(sqlite_nio_sqlite3_prepare_v3(self.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil))
        guard let statement else { throw Failure(message: "empty statement") }
        return statement
    }

    private func execute(_ sql: String) throws {
        try self.check(sqlite_nio_sqlite3_exec(self.handle, sql, nil, nil, nil))
    }

    /// Binds `values` to ?1… and steps the statement; the first column of its row, if it returns one.
    @discardableResult
    private func run(_ statement: OpaquePointer?, _ values: [SQLiteData]) throws -> String? {
        guard let statement else { throw Failure(message: "closed") }
        for (offset, value) in values.enumerated() {
            try self.check(self.bind(value, at: Int32(offset + 1), in: statement))
        }
        return try self.step(statement)
    }

    private func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .null:
            return sqlite_nio_sqlite3_bind_null(statement, index)
        case .integer(let number):
            return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number):
            return sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .text(let text):
            return sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(
                    statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(bytes.count), Self.transient)
            }
        }
    }

    @discardableResult
    private func step(_ statement: OpaquePointer) throws -> String? {
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        let status = sqlite_nio_sqlite3_step(statement)
        switch status {
        case SQLITE_DONE:
            return nil
        case SQLITE_ROW:
            return sqlite_nio_sqlite3_column_text(statement, 0).map { String(cString: $0) }
        default:
            throw self.failure(status)
        }
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw self.failure(status) }
    }

    private func failure(_ status: Int32) -> Failure {
        let message = self.handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "status \(status)"
        return Failure(message: message)
    }
}
