import Foundation
import LeadCore
import Logging
import ServiceLifecycle

/// Moves spooled requests into PostgreSQL, in journal order, as soon as it answers again.
///
/// Each request goes through the same transaction as live intake and is written once: its raw row's id is checked
/// first, so a drain cut short by a crash (or a request that was committed after its deadline) duplicates nothing.
/// While the database is down the drainer probes it (and migrates it, which is quick when nothing is pending).
public struct SpoolDrainer: Service {
    let store: SpoolingLeadStore
    let logger: Logger
    let probeInterval: Duration

    public init(store: SpoolingLeadStore, logger: Logger, probeInterval: Duration = .milliseconds(500)) {
        self.store = store
        self.logger = logger
        self.probeInterval = probeInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await self.step() == false {
                        try await Task.sleep(for: self.probeInterval)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("spool drain failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: self.probeInterval)
                }
            }
        }
    }

    /// Does one unit of work; `false` when there was nothing to do (time to sleep).
    func step() async throws -> Bool {
        if self.store.isDatabaseDown {
            do {
                try await self.store.database.checkHealth()
                try await self.store.database.migrate()
                self.store.markDatabaseUp()
            } catch LeadStoreError.unavailable {
                return false
            }
        }
        guard let batch = try self.store.spool.nextBatch() else { return false }
        let started = ContinuousClock.now
        var written = 0
        for submission in batch.submissions {
            do {
                if try await self.store.database.recordIfAbsent(submission) != nil { written += 1 }
            } catch LeadStoreError.unavailable(let reason) {
                self.store.markDatabaseDown(reason)
                return false
            }
        }
        try self.store.spool.markDrained(batch)
        self.logger.info(
            "drained spooled requests",
            metadata: [
                "spool.drained": "\(batch.submissions.count)", "spool.written": "\(written)",
                "spool.remaining": "\(self.store.spool.pendingCount)", "duration": "\(ContinuousClock.now - started)",
            ]
        )
        return true
    }
}
