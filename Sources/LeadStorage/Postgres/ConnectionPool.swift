import PostgresNIO
import Synchronization

/// postgres-nio's connection pool, and whether the store has started running it.
///
/// A pooled operation that comes before `PostgresClient.run()` waits for it anyway, but the pool logs a warning for
/// each one; a command that queries as soon as it has started its services showed that warning to its user. So
/// operations wait here until the store is about to run the pool.
struct ConnectionPool: Sendable {
    let client: PostgresClient
    let running = OpenOnce()
}

/// A gate that opens once: `wait()` returns at once when it is open and waits for `open()` before that.
final class OpenOnce: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    func open() {
        let waiters = self.state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters {
            waiter.resume()
        }
    }

    /// Returns once the gate is open; throws `CancellationError` if its task is cancelled first.
    func wait() async throws {
        let id: Int? = self.state.withLock { state in
            guard !state.isOpen else { return nil }
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = self.state.withLock { state in
                    if state.isOpen { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
