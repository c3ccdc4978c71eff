import Synchronization

/// Counts intake batches written, so that upkeep (the search index, SQLite's checkpoints) runs only while leads come in.
final class IntakeActivity: Sendable {
    private let batches = Atomic<Int>(0)

    var count: Int { self.batches.load(ordering: .relaxed) }

    func recordBatch() { self.batches.add(1, ordering: .relaxed) }
}
