/// The operation did not finish within its deadline.
struct DeadlineExceeded: Error {}

/// Runs `operation`, failing with `DeadlineExceeded` when it takes longer than `duration`.
///
/// A database that does not answer must not hold a request (or a shutdown) hostage; the operation is cancelled.
func withDeadline<T: Sendable>(
    _ duration: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
