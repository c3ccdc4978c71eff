import Synchronization

/// Counts the requests in the intake batches written, so that upkeep (the search index, SQLite's checkpoints) runs
/// only while leads come in, and as often as they do. A batch holds at least one request, so the count changes with
/// every batch.
final class IntakeActivity: Sendable {
    private let requests = Atomic<Int>(0)

    /// Requests in the batches written so far.
    var requestCount: Int { self.requests.load(ordering: .relaxed) }

    func recordBatch(of requests: Int) {
        self.requests.add(requests, ordering: .relaxed)
    }
}
