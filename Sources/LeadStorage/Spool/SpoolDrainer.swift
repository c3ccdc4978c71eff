import Foundation
import LeadCore
import Logging
import ServiceLifecycle

/// Moves spooled requests into PostgreSQL, in journal order, as soon as it answers again.
///
/// Requests go through the same write path as live intake, a batch per transaction, and each is written once: its raw row's id is checked
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

    /// How a drain is going, for its progress log lines.
    struct Progress {
        var started: ContinuousClock.Instant?
        var drained = 0
        var written = 0
        var lastReport = ContinuousClock.now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var progress = Progress()
            while !Task.isCancelled {
                do {
                    if try await self.step(&progress) == false {
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
        var progress = Progress()
        return try await self.step(&progress)
    }

    func step(_ progress: inout Progress) async throws -> Bool {
        if self.store.isDatabaseDown {
            do {
                try await self.store.database.checkHealth()
                try await self.store.database.migrate()
                self.store.markDatabaseUp()
            } catch LeadStoreError.unavailable {
                return false
            }
        }
        guard let batch = try self.store.spool.nextBatch() else {
            if let started = progress.started {
                self.logger.notice(
                    "spool drained",
                    metadata: [
                        "spool.drained": "\(progress.drained)", "spool.written": "\(progress.written)",
                        "duration": "\(ContinuousClock.now - started)",
                    ]
                )
                progress = Progress()
            }
            return false
        }
        if progress.started == nil { progress.started = .now }
        do {
            progress.written += try await self.store.database.recordBatchIfAbsent(batch.submissions)
        } catch LeadStoreError.unavailable(let reason) {
            self.store.markDatabaseDown(reason)
            return false
        }
        try self.store.spool.markDrained(batch)
        progress.drained += batch.submissions.count
        if ContinuousClock.now - progress.lastReport >= .seconds(1) {
            progress.lastReport = .now
            self.logger.info(
                "draining the spool",
                metadata: ["spool.drained": "\(progress.drained)", "spool.remaining": "\(self.store.spool.pendingCount)"]
            )
        }
        return true
    }
}
