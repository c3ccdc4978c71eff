import Synchronization

/// Counts intake batches written and the requests in them, so that upkeep (the search index, SQLite's checkpoints)
/// runs only while leads come in, and as often as they do.
final class IntakeActivity: Sendable {
    private let batches = Atomic<Int>(0)
    private let requests = Atomic<Int>(0)

    /// Batches written so far.
    var count: Int { self.batches.load(ordering: .relaxed) }

    /// Requests in those batches.
    var requestCount: Int { self.requests.load(ordering: .relaxed) }

    func recordBatch(of requests: Int) {
        self.requests.add(requests, ordering: .relaxed)
        self.batches.add(1, ordering: .relaxed)
    }
}
