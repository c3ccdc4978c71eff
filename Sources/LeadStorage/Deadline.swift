import NIOCore
import NIOPosix
import Synchronization

/// The operation did not finish within its deadline.
struct DeadlineExceeded: Error {}

/// Runs `operation`, failing with `DeadlineExceeded` when it takes longer than `duration`. The operation runs as a
/// task preferring `executor` (when given), and its timer is on that executor's event loop, so that a batch's steps
/// wake no other thread.
///
/// A database that does not answer must not hold a request (or a shutdown) hostage. A task group would not do:
/// it waits for its children, and a query on a connection to a dead or frozen server may ignore cancellation. So the
/// operation runs in a task of its own; at the deadline the caller gets its answer at once and the operation is
/// cancelled, finishing (or failing) on its own once the connection gives up.
func withDeadline<T: Sendable>(
    _ duration: Duration,
    executor: EventLoopExecutor? = nil,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.begin(continuation)
            let work = Task(executorPreference: executor) {
                do {
                    race.finish(.success(try await operation()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            // A timer on an event loop, not a sleeping task: cheaper, and a cancelled sleep would hold its memory
            // until its deadline.
            let loop = executor?.eventLoop ?? MultiThreadedEventLoopGroup.singleton.any()
            let timer = loop.scheduleTask(in: TimeAmount(duration)) {
                race.finish(.failure(DeadlineExceeded()))
                work.cancel()
            }
            race.whenFinished {
                timer.cancel()
                work.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of "done", "deadline" and "cancelled" resumes the caller; the others are ignored.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var finished = false
        var onFinish: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        let early = self.state.withLock { state -> Result<T, any Error>? in
            if let early = state.early {
                state.early = nil
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Runs `action` once the race is decided (at once if it already is).
    func whenFinished(_ action: @escaping @Sendable () -> Void) {
        let alreadyFinished = self.state.withLock { state -> Bool in
            if state.finished { return true }
            state.onFinish = action
            return false
        }
        if alreadyFinished { action() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, onFinish) = self.state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            let onFinish = state.onFinish
            state.onFinish = nil
            guard let continuation = state.continuation else {
                // Cancelled before the continuation existed: keep the result for `begin`.
                state.early = result
                return (nil, onFinish)
            }
            state.continuation = nil
            return (continuation, onFinish)
        }
        continuation?.resume(with: result)
        onFinish?()
    }
}
