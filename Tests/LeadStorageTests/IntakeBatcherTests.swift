import NIOPosix
import Synchronization
import Testing

@testable import LeadStorage

/// The group-commit queue on its own, with a write function that records what it was given: coalescing, the bound
/// on writers, and that every caller gets an answer — its own output, or its batch's error.
@Suite struct IntakeBatcherTests {
    /// Records each batch written and lets a test hold writes until it opens the gate.
    final class Recorder: Sendable {
        private let state = Mutex<(batches: [[Int]], inFlight: Int, maxInFlight: Int)>(([], 0, 0))
        let gate = Gate()

        var batches: [[Int]] { self.state.withLock { $0.batches } }
        var maxInFlight: Int { self.state.withLock { $0.maxInFlight } }

        func write(_ items: [Int]) async throws -> [String] {
            self.state.withLock {
                $0.batches.append(items)
                $0.inFlight += 1
                $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
            }
            await self.gate.wait()
            self.state.withLock { $0.inFlight -= 1 }
            return items.map { "out-\($0)" }
        }
    }

    /// Holds writers until opened; open from the start unless `close()` is called.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((true, []))

        func close() { self.state.withLock { $0.open = false } }

        /// Lets the write that has waited longest go on; the gate stays closed for the others.
        func releaseFirst() {
            let first = self.state.withLock { state in
                state.waiters.isEmpty ? nil : state.waiters.removeFirst()
            }
            first?.resume()
        }

        var waiting: Int { self.state.withLock { $0.waiters.count } }

        func open() {
            let waiters = self.state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let isOpen = self.state.withLock { state in
                    if !state.open { state.waiters.append(continuation) }
                    return state.open
                }
                if isOpen { continuation.resume() }
            }
        }
    }

    /// Waits (up to 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    struct TimedOut: Error {}

    @Test func aLoneRequestIsWrittenAtOnceInABatchOfItsOwn() async throws {
        let recorder = Recorder()
        let batcher = IntakeBatcher<Int, String>(maxWriters: 2, maxBatch: 10, write: recorder.write)
        #expect(try await batcher.submit(7) == "out-7")
        #expect(recorder.batches == [[7]])
    }

    @Test func requestsQueuedBehindBusyWritersShareTheNextBatches() async throws {
        let recorder = Recorder()
        recorder.gate.close()
        let batcher = IntakeBatcher<Int, String>(maxWriters: 2, maxBatch: 5, write: recorder.write)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            defer { recorder.gate.open() }  // a failure here must not leave the writers (and the group) waiting forever
            group.addTask { (0, try await batcher.submit(0)) }
            try await Self.eventually { recorder.batches.count == 1 }
            // The second writer waits for two requests.
            group.addTask { (1, try await batcher.submit(1)) }
            try await Self.eventually { batcher.queued == 1 }
            group.addTask { (2, try await batcher.submit(2)) }
            try await Self.eventually { recorder.batches.count == 2 }
            // Both writers are busy with a batch each; what comes now waits and is written in batches of at most 5.
            for item in 3..<15 {
                group.addTask { (item, try await batcher.submit(item)) }
            }
            try await Self.eventually { batcher.queued == 12 }
            recorder.gate.open()
            for try await (item, output) in group {
                #expect(output == "out-\(item)")
            }
        }
        let batches = recorder.batches
        #expect(batches.prefix(2) == [[0], [1, 2]])
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<15))
        #expect(batches.dropFirst(2).allSatisfy { $0.count <= 5 })
        #expect(recorder.maxInFlight <= 2)
    }

    /// A second writer starts, and a writer that finishes while the other still writes goes on, only once as many
    /// requests wait as the last batch took: the batch handed over early is not a smaller one.
    @Test func aFurtherWriterWaitsForAsManyRequestsAsTheLastBatchTook() async throws {
        let recorder = Recorder()
        recorder.gate.close()
        let batcher = IntakeBatcher<Int, String>(maxWriters: 2, maxBatch: 10, write: recorder.write)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            defer { recorder.gate.open() }
            func submit(_ items: ClosedRange<Int>) async throws {
                for item in items {
                    group.addTask { (item, try await batcher.submit(item)) }
                    try await Self.eventually { batcher.queued + recorder.batches.joined().count == item + 1 }
                }
            }
            try await submit(0...2)
            try await Self.eventually { recorder.gate.waiting == 2 }
            #expect(recorder.batches == [[0], [1, 2]])
            try await submit(3...5)
            // The first writer finishes while the second still writes: three wait, more than the last batch's two.
            recorder.gate.releaseFirst()
            try await Self.eventually { recorder.gate.waiting == 2 }
            #expect(recorder.batches.last == [3, 4, 5])
            // The second finishes with nothing queued and ends; two requests are fewer than the last batch's three.
            recorder.gate.releaseFirst()
            try await Self.eventually { recorder.gate.waiting == 1 }
            try await submit(6...7)
            try await Task.sleep(for: .milliseconds(50))
            #expect(recorder.batches.count == 3)
            #expect(batcher.queued == 2)
            try await submit(8...8)
            try await Self.eventually { recorder.batches.count == 4 }
            #expect(recorder.batches.last == [6, 7, 8])
            recorder.gate.open()
            for try await (item, output) in group {
                #expect(output == "out-\(item)")
            }
        }
        #expect(recorder.batches == [[0], [1, 2], [3, 4, 5], [6, 7, 8]])
        #expect(recorder.maxInFlight == 2)
    }

    @Test func aFailedWriteFailsEveryRequestOfItsBatchAndOnlyThose() async throws {
        struct Refused: Error {}
        let batcher = IntakeBatcher<Int, String>(maxWriters: 1, maxBatch: 10) { items in
            if items.contains(13) { throw Refused() }
            return items.map { "out-\($0)" }
        }
        await #expect(throws: Refused.self) { try await batcher.submit(13) }
        #expect(try await batcher.submit(14) == "out-14")
    }

    @Test func aWriteAnsweringWithTheWrongNumberOfResultsFailsItsRequestsInsteadOfLeavingThemWaiting() async throws {
        let batcher = IntakeBatcher<Int, String>(maxWriters: 1, maxBatch: 10) { _ in [] }
        await #expect(throws: IntakeBatchMismatch.self) { try await batcher.submit(1) }
    }

    @Test func writersRunOnTheGivenExecutor() async throws {
        let batcher = IntakeBatcher<Int, Bool>(maxWriters: 1, maxBatch: 10, executor: IntakeEventLoop.executor) { items in
            items.map { _ in IntakeEventLoop.executor.eventLoop.inEventLoop }
        }
        #expect(try await batcher.submit(1) == true)
    }

    /// Requests submitted from several event loops (one of them the writer's) and from none share batches; each gets
    /// its own answer, and goes on on its own loop.
    @Test func requestsFromEveryEventLoopGetTheirOwnAnswers() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let executors = (0..<3).map { _ in EventLoopExecutor(loops.next()) }
        let recorder = Recorder()
        recorder.gate.close()
        let batcher = IntakeBatcher<Int, String>(
            maxWriters: 1,
            maxBatch: 8,
            executor: executors[2],
            write: recorder.write
        )
        try await withThrowingTaskGroup(of: (Int, String, Bool).self) { group in
            defer { recorder.gate.open() }
            for item in 0..<40 {
                let executor = item % 4 == 3 ? nil : executors[item % 4]
                group.addTask(executorPreference: executor) {
                    let output = try await batcher.submit(item)
                    return (item, output, executor.map { $0.eventLoop.inEventLoop } ?? true)
                }
            }
            try await Self.eventually { recorder.batches.count == 1 }
            try await Task.sleep(for: .milliseconds(50))
            recorder.gate.open()
            for try await (item, output, onItsLoop) in group {
                #expect(output == "out-\(item)")
                #expect(onItsLoop, "request \(item) went on off its event loop")
            }
        }
        #expect(recorder.batches.flatMap { $0 }.sorted() == Array(0..<40))
        #expect(recorder.batches.count < 40, "queued requests share batches")
        try await loops.shutdownGracefully()
    }
}
