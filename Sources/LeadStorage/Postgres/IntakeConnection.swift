import LeadCore
import Logging
import PostgresNIO
import Synchronization

/// The connection intake writes its batches on: one of its own, beside the pool.
///
/// Taking a pooled connection for every batch and giving it back cost three thread wake-ups per batch besides the
/// two a batch needs (to the writer and back to the request): the pool's own task heard of each lease and return,
/// and each return set up an idle timer through libdispatch. On its own connection a single request wakes only
/// those two threads; its p50 went from about 1.0 to 0.9 ms and intake at 32 connections made 6% more requests/s
/// (interleaved runs).
///
/// A connection is replaced by the next batch when it has closed, when a statement on it failed for any reason but
/// the server refusing it, when a batch on it missed its deadline (it may hang there), and when it sat idle for
/// `maximumIdle`, as the pool closes idle connections: a firewall may drop an idle connection without a word, and a
/// batch on it would wait out its deadline. `close()` closes it for good, on shutdown.
final class IntakeConnection: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<PostgresConnection>)
        case open(PostgresConnection, lastUsed: ContinuousClock.Instant)
        case closed
    }

    /// Made once: a TLS context reads its certificates.
    private let configuration: Result<PostgresConnection.Configuration, any Error>
    private let eventLoop: any EventLoop
    private let maximumIdle: Duration
    private let logger: Logger
    private let state = Mutex(State.idle)
    private static let ids = Atomic<Int>(0)

    init(settings: PostgresSettings, eventLoop: any EventLoop, maximumIdle: Duration = .seconds(60), logger: Logger) {
        self.configuration = Result { try settings.connectionConfiguration() }
        self.eventLoop = eventLoop
        self.maximumIdle = maximumIdle
        self.logger = logger
    }

    /// Runs `body` on the connection, opening one first when there is none.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await self.connection()
        return try await withTaskCancellationHandler {
            do {
                return try await body(connection)
            } catch let error as PSQLError where error.serverInfo != nil {
                throw error
            } catch {
                self.discard(connection)
                throw error
            }
        } onCancel: {
            // Cancelled at its deadline: the statement may hang on this connection, and every batch behind it.
            self.discard(connection)
        }
    }

    /// Closes the connection for good; a batch after this fails as `unavailable`.
    func close() async {
        let previous = self.state.withLock { state in
            defer { state = .closed }
            return state
        }
        switch previous {
        case .open(let connection, _):
            try? await connection.close()
        case .connecting(let future):
            try? await future.get().close()
        case .idle, .closed:
            break
        }
    }

    private enum Next {
        case use(PostgresConnection)
        case await(EventLoopFuture<PostgresConnection>)
        case closed
    }

    private func connection() async throws -> PostgresConnection {
        let now = ContinuousClock.now
        let (next, stale) = self.state.withLock { state -> (Next, PostgresConnection?) in
            var stale: PostgresConnection?
            switch state {
            case .open(let connection, let lastUsed) where !connection.isClosed && now - lastUsed < self.maximumIdle:
                state = .open(connection, lastUsed: now)
                return (.use(connection), nil)
            case .open(let connection, _):
                stale = connection
            case .connecting(let future):
                return (.await(future), nil)
            case .closed:
                return (.closed, nil)
            case .idle:
                break
            }
            let future = self.connect()
            state = .connecting(future)
            return (.await(future), stale)
        }
        if let stale { Self.closeSoon(stale) }
        switch next {
        case .use(let connection):
            return connection
        case .closed:
            throw LeadStoreError.unavailable("the database connection is closed: leadcrm is shutting down")
        case .await(let future):
            do {
                let connection = try await future.get()
                self.state.withLock { state in
                    if case .connecting(let current) = state, current === future {
                        state = .open(connection, lastUsed: .now)
                    }
                }
                return connection
            } catch {
                self.state.withLock { state in
                    if case .connecting(let current) = state, current === future { state = .idle }
                }
                throw LeadStoreError.unavailable("cannot connect to PostgreSQL: \(operatorDescription(of: error))")
            }
        }
    }

    private func connect() -> EventLoopFuture<PostgresConnection> {
        let configuration: PostgresConnection.Configuration
        switch self.configuration {
        case .success(let made): configuration = made
        case .failure(let error): return self.eventLoop.makeFailedFuture(error)
        }
        return PostgresConnection.connect(
            on: self.eventLoop,
            configuration: configuration,
            id: Self.ids.add(1, ordering: .relaxed).newValue,
            logger: self.logger
        )
    }

    /// Closes `connection` and lets the next batch open another, unless that already happened.
    private func discard(_ connection: PostgresConnection) {
        self.state.withLock { state in
            if case .open(let current, _) = state, current === connection { state = .idle }
        }
        Self.closeSoon(connection)
    }

    /// Starts closing `connection`; whoever used it gets its own error.
    private static func closeSoon(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }
}
