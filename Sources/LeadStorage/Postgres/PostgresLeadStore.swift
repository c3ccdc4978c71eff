import Foundation
import LeadCore
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The production store: PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// Intake writes its batches on a connection of its own (`IntakeConnection`); everything else goes through the pool.
/// The store is a `Service`: it runs the pool, which must be running (in the application's `ServiceGroup`) for
/// pooled queries to proceed, and closes intake's connection on shutdown.
/// Every operation has a deadline, so an unreachable or hung server turns into `LeadStoreError.unavailable`
/// instead of a request that never ends.
public final class PostgresLeadStore: LeadStore, Service {
    public var client: PostgresClient { self.pool.client }
    let pool: ConnectionPool
    let settings: PostgresSettings
    let logger: Logger
    let deadline: Duration
    /// Group commit for intake: concurrent requests share transactions.
    let batcher: IntakeBatcher<IntakeItem, IntakeResult>
    /// Set while the database is known to be away (by the spool in front of this store): intake then fails at once
    /// instead of each queued batch waiting out its own deadline.
    let outageSignal: OutageSignal
    /// Requests written by intake, for `SearchIndexMaintenance`.
    let intakeActivity: IntakeActivity
    /// Intake's own connection, outside the pool.
    let intakeConnection: IntakeConnection

    public init(settings: PostgresSettings, deadline: Duration = .seconds(2), logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.deadline = deadline
        // The pool logs every failed connection attempt; during an outage that is several lines a second, so its
        // background log starts at warning unless leadcrm itself logs in detail.
        var backgroundLogger = logger
        backgroundLogger.logLevel = max(logger.logLevel, .warning)
        if logger.logLevel <= .debug { backgroundLogger.logLevel = logger.logLevel }
        let client = PostgresClient(
            configuration: settings.clientConfiguration,
            eventLoopGroup: IntakeEventLoop.group,
            backgroundLogger: backgroundLogger
        )
        let pool = ConnectionPool(client: client)
        self.pool = pool
        let outage = OutageSignal()
        self.outageSignal = outage
        let activity = IntakeActivity()
        self.intakeActivity = activity
        let intake = IntakeConnection(settings: settings, eventLoop: IntakeEventLoop.group.next(), logger: backgroundLogger)
        self.intakeConnection = intake
        // Two writers on intake's one connection: while a batch is being written, the next one is handed to the
        // connection once it has as many requests as the last (see `IntakeBatcher`), and PostgreSQL starts it the
        // moment the one before commits. The connection runs one statement at a time, so batches never compete
        // inside the database: two writers on two connections made smaller batches that cost both sides more
        // (paired runs on two cores: one writer 17–22% more leads/s than two at 32 connections; with a second writer
        // that only waits for as many requests as the last batch, 5.5% fewer, and more CPU per lead in PostgreSQL).
        // On the one connection that second writer gave 8–15% more leads/s at 32 connections (better in 26 of 28
        // alternating slices) and 7% at 256 (5 of 6). Without that wait, it made no difference: its batches were small.
        self.batcher = IntakeBatcher(
            maxWriters: 2,
            maxBatch: 256,
            executor: IntakeEventLoop.executor
        ) { items in
            guard !outage.isDown else { throw LeadStoreError.unavailable("the database is away") }
            defer { activity.recordBatch(of: items.count) }
            return try await Self.writeBatch(items, on: intake, pool: pool, deadline: deadline, logger: logger)
        }
    }

    /// Runs the connection pool until shutdown (pooled queries wait while it is not running), then closes intake's
    /// connection.
    public func run() async {
        // `PostgresClient.run()` marks the pool running before it first suspends. On an event loop (the server's
        // tasks run there) the gate opens in the loop's next turn, after that; elsewhere at once.
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop {
            loop.execute { self.pool.running.open() }
        } else {
            self.pool.running.open()
        }
        await self.client.run()
        await self.intakeConnection.close()
    }

    /// Runs a database operation within the deadline, reporting an unreachable database as `unavailable`.
    @discardableResult
    func perform<T: Sendable>(
        deadline: Duration? = nil,
        _ operation: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        try await Self.perform(pool: self.pool, deadline: deadline ?? self.deadline, operation)
    }

    static func perform<T: Sendable>(
        pool: ConnectionPool,
        deadline: Duration,
        _ operation: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        do {
            return try await withDeadline(deadline, executor: IntakeEventLoop.executor) {
                try await pool.running.wait()
                return try await operation(pool.client)
            }
        } catch is DeadlineExceeded {
            throw LeadStoreError.unavailable("PostgreSQL did not answer within \(deadline)")
        } catch let error as PostgresTransactionError {
            let cause = error.beginError ?? error.closureError ?? error.commitError ?? error
            if Self.isConnectionFailure(cause) { throw LeadStoreError.unavailable("\(cause)") }
            throw cause
        } catch let error where Self.isConnectionFailure(error) {
            throw LeadStoreError.unavailable("\(error)")
        }
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return error is NIOConnectionError || error is IOError }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
            return true
        default:
            return false
        }
    }

    /// Marks the database away (intake fails at once) or back; `true` when that changed the mark.
    @discardableResult
    public func setOutage(_ down: Bool) -> Bool {
        self.outageSignal.set(down)
    }

    /// The database is marked away.
    public var isMarkedDown: Bool { self.outageSignal.isDown }

    public func checkHealth() async throws {
        try await self.checkHealth(deadline: self.deadline)
    }

    public func checkHealth(deadline: Duration) async throws {
        try await self.perform(deadline: deadline) { client in
            try await client.query("SELECT 1", logger: self.logger)
        }
    }
}

/// Whether the database is known to be away; shared between the store and its batch writer.
final class OutageSignal: Sendable {
    private let down = Atomic<Bool>(false)

    var isDown: Bool { self.down.load(ordering: .acquiring) }

    /// Sets the mark; `true` when it was different before.
    func set(_ down: Bool) -> Bool {
        self.down.exchange(down, ordering: .acquiringAndReleasing) != down
    }
}
