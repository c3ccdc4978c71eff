import LeadCore
import NIOCore
import NIOPosix
import Synchronization

/// One intake request waiting for its batch.
struct IntakeItem: Sendable {
    let submission: RawSubmission
    let interpretation: SubmissionInterpretation
}

/// Group commit: requests that arrive while a transaction is being written are written together in the next one.
///
/// A request that finds no writer at work starts one, so a lone request is written at once, with no added latency.
/// A writer takes everything queued (up to `maxBatch`), writes it, answers those requests, and goes on with whatever
/// queued up meanwhile; it ends when the queue is empty. Under load the queue fills while a batch is being written,
/// and batches grow on their own.
///
/// With `maxWriters` above one, a further writer starts only once at least as many requests wait as the last batch
/// took (and at least two), and a writer that finishes while another is still writing goes on only on the same
/// condition. So the next batch is handed over while the one before it is still being written, without making
/// batches smaller: on one database connection the database starts it the moment the one before commits, instead
/// of waiting a round trip for the writer to hear of that commit, answer its requests and send the next batch.
///
/// Writers run as tasks on `executor` (for PostgreSQL, the event loop of its connections; for SQLite, the intake
/// writer's thread), so that a batch's steps never wait behind other work; a request only waits for its answer.
/// Each request is answered on the event loop it was submitted from — its connection's, since Swift concurrency
/// runs on the event loops — so its task goes on where its response is written; a writer on another thread hands
/// each loop its answers in one go.
final class IntakeBatcher<Item: Sendable, Output: Sendable>: Sendable {
    typealias Write = @Sendable ([Item]) async throws -> [Output]

    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Output, any Error>
        /// The event loop the request was submitted from, if it ran on one.
        let home: (any EventLoop)?
    }

    private typealias Answer = (continuation: CheckedContinuation<Output, any Error>, result: Result<Output, any Error>)

    private struct State {
        var queue: [Waiting] = []
        var writers = 0
        /// The size of the batch taken last: a further writer waits for as many requests.
        var lastBatch = 0

        /// Whether a writer may take a batch from the queue now, while `others` writers are at work besides it.
        func mayTakeBatch(others: Int) -> Bool {
            !self.queue.isEmpty && (others == 0 || self.queue.count >= max(2, self.lastBatch))
        }
    }

    private let state = Mutex(State())
    private let maxWriters: Int
    private let maxBatch: Int
    private let executor: (any TaskExecutor)?
    private let write: Write

    init(maxWriters: Int, maxBatch: Int, executor: (any TaskExecutor)? = nil, write: @escaping Write) {
        self.maxWriters = max(1, maxWriters)
        self.maxBatch = max(1, maxBatch)
        self.executor = executor
        self.write = write
    }

    /// Requests waiting for a writer to take them.
    var queued: Int { self.state.withLock { $0.queue.count } }

    /// Writes `item` with the next batch and returns its output once that batch is written. Cancelling the caller
    /// does not take the item back: it is written (or fails) with its batch either way.
    func submit(_ item: Item) async throws -> Output {
        let home = MultiThreadedEventLoopGroup.currentEventLoop
        return try await withCheckedThrowingContinuation { continuation in
            let startsWriter = self.state.withLock { state -> Bool in
                state.queue.append(Waiting(item: item, continuation: continuation, home: home))
                guard state.writers < self.maxWriters, state.mayTakeBatch(others: state.writers) else { return false }
                state.writers += 1
                return true
            }
            if startsWriter {
                Task(executorPreference: self.executor) { await self.writeWhileQueued() }
            }
        }
    }

    /// A writer: batch after batch from the head of the queue, until the queue is empty (or, with another writer at
    /// work, holds fewer requests than the last batch).
    private func writeWhileQueued() async {
        while let batch = self.nextBatch() {
            let result: Result<[Output], any Error>
            do {
                result = .success(try await self.write(batch.map(\.item)))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let outputs) where outputs.count == batch.count:
                Self.answer(zip(batch, outputs).map { ($0, .success($1)) })
            case .success(let outputs):
                let error = IntakeBatchMismatch(items: batch.count, outputs: outputs.count)
                Self.answer(batch.map { ($0, .failure(error)) })
            case .failure(let error):
                Self.answer(batch.map { ($0, .failure(error)) })
            }
        }
    }

    /// Resumes each request on its own event loop: at once when it is this thread's (or it has none), otherwise in
    /// one task per loop for all of that loop's requests.
    private static func answer(_ answers: [(Waiting, Result<Output, any Error>)]) {
        var elsewhere: [(loop: any EventLoop, answers: [Answer])] = []
        for (waiting, result) in answers {
            guard let home = waiting.home, !home.inEventLoop else {
                waiting.continuation.resume(with: result)
                continue
            }
            let answer = (continuation: waiting.continuation, result: result)
            if let index = elsewhere.firstIndex(where: { $0.loop === home }) {
                elsewhere[index].answers.append(answer)
            } else {
                elsewhere.append((home, [answer]))
            }
        }
        for (loop, answers) in elsewhere {
            loop.execute {
                for answer in answers {
                    answer.continuation.resume(with: answer.result)
                }
            }
        }
    }

    /// The next batch, or `nil` (and one writer fewer) when this writer may not take one.
    private func nextBatch() -> [Waiting]? {
        self.state.withLock { state in
            guard state.mayTakeBatch(others: state.writers - 1) else {
                state.writers -= 1
                return nil
            }
            let count = min(self.maxBatch, state.queue.count)
            state.lastBatch = count
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            return batch
        }
    }
}

/// A batch write answered with a different number of results than it was given items.
struct IntakeBatchMismatch: Error, CustomStringConvertible {
    let items: Int
    let outputs: Int

    var description: String { "a batch of \(self.items) requests was answered with \(self.outputs) results" }
}
