import LeadCore
import Synchronization

/// One intake request waiting for its batch.
struct IntakeItem: Sendable {
    let submission: RawSubmission
    let interpretation: SubmissionInterpretation
}

/// Group commit: requests that arrive while a transaction is being written are written together in the next one.
///
/// No background task is involved. A request that finds fewer than `maxWriters` batches in flight writes one
/// itself, taking everything queued (up to `maxBatch`), itself included — so a lone request is written at once,
/// with no added latency. When it is done and more requests are queued, it hands the writing over to the oldest of
/// them and returns. Under load the queue fills while the writers are busy, and batches grow on their own.
final class IntakeBatcher<Item: Sendable, Output: Sendable>: Sendable {
    typealias Write = @Sendable ([Item]) async throws -> [Output]

    private final class Entry: Sendable {
        enum Wake {
            case done(Result<Output, any Error>)
            /// The writer's turn: write a batch, then pass the turn on. It must never be dropped.
            case write
        }

        let item: Item
        /// Set once the entry holds (or held) the writer's turn, so two writers never hand it to the same entry.
        let designated = Atomic<Bool>(false)
        private let mailbox = Mutex<(wakes: [Wake], waiter: CheckedContinuation<Wake, Never>?)>(([], nil))

        init(item: Item) {
            self.item = item
        }

        /// Delivers `wake` to the entry's task, whether or not it is waiting yet; wakes arrive in order.
        func post(_ wake: Wake) {
            let waiter = self.mailbox.withLock { box -> CheckedContinuation<Wake, Never>? in
                guard let waiter = box.waiter else {
                    box.wakes.append(wake)
                    return nil
                }
                box.waiter = nil
                return waiter
            }
            waiter?.resume(returning: wake)
        }

        func next() async -> Wake {
            await withCheckedContinuation { continuation in
                let ready = self.mailbox.withLock { box -> Wake? in
                    if !box.wakes.isEmpty { return box.wakes.removeFirst() }
                    box.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        /// Takes a writer's turn that arrived after the entry's own answer.
        func takePendingWrite() -> Bool {
            self.mailbox.withLock { box in
                guard let index = box.wakes.firstIndex(where: { if case .write = $0 { true } else { false } }) else { return false }
                box.wakes.remove(at: index)
                return true
            }
        }
    }

    private struct State {
        var queue: [Entry] = []
        var writers = 0
    }

    private let state = Mutex(State())
    private let maxWriters: Int
    private let maxBatch: Int
    private let write: Write

    init(maxWriters: Int, maxBatch: Int, write: @escaping Write) {
        self.maxWriters = max(1, maxWriters)
        self.maxBatch = max(1, maxBatch)
        self.write = write
    }

    func submit(_ item: Item) async throws -> Output {
        let entry = Entry(item: item)
        var mustWrite = self.state.withLock { state -> Bool in
            state.queue.append(entry)
            guard state.writers < self.maxWriters else { return false }
            state.writers += 1
            return true
        }
        while true {
            if mustWrite {
                await self.writeBatch()
                mustWrite = false
            }
            switch await entry.next() {
            case .done(let result):
                if entry.takePendingWrite() { await self.writeBatch() }
                return try result.get()
            case .write:
                mustWrite = true
            }
        }
    }

    /// Writes one batch from the head of the queue, answers its entries, then passes the writer's turn on.
    private func writeBatch() async {
        let batch = self.state.withLock { state -> [Entry] in
            let count = min(self.maxBatch, state.queue.count)
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            return batch
        }
        if !batch.isEmpty {
            do {
                let outputs = try await self.write(batch.map(\.item))
                for (entry, output) in zip(batch, outputs) {
                    entry.post(.done(.success(output)))
                }
            } catch {
                for entry in batch {
                    entry.post(.done(.failure(error)))
                }
            }
        }
        let next = self.state.withLock { state -> Entry? in
            let candidate = state.queue.first { $0.designated.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged }
            if candidate == nil { state.writers -= 1 }
            return candidate
        }
        next?.post(.write)
    }
}
