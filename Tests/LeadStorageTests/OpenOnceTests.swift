import Synchronization
import Testing

@testable import LeadStorage

/// The gate pooled operations wait at until the store runs its pool.
@Suite struct OpenOnceTests {
    final class Passed: Sendable {
        private let passed = Mutex(0)
        func count() { self.passed.withLock { $0 += 1 } }
        var total: Int { self.passed.withLock { $0 } }
    }

    @Test func anOpenGateDoesNotWait() async throws {
        let gate = OpenOnce()
        gate.open()
        try await gate.wait()
        try await gate.wait()
    }

    @Test func waitersGoOnWhenItOpens() async throws {
        let gate = OpenOnce()
        let passed = Passed()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await gate.wait()
                    passed.count()
                }
            }
            // The waiters are (most likely) waiting by now; none has passed a closed gate.
            try await Task.sleep(for: .milliseconds(50))
            #expect(passed.total == 0)
            gate.open()
            try await group.waitForAll()
        }
        #expect(passed.total == 3)
    }

    @Test func aCancelledWaiterStopsWaitingAndTheOthersStillPass() async throws {
        let gate = OpenOnce()
        let cancelled = Task { try await gate.wait() }
        let patient = Task { try await gate.wait() }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        let outcome = await cancelled.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        gate.open()
        try await patient.value
    }
}
