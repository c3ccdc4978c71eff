import Foundation
import LeadCore
import Logging

/// PostgreSQL with a local spool in front: while the database is unreachable or too slow, requests are kept in the
/// spool's fsynced journal and answered `202`; `SpoolDrainer` moves them into the database when it is back.
///
/// Routing: a request whose key is still in the spool goes to the spool (so it is answered 409 with the spooled
/// lead's id); while the database is down every request goes straight to the spool, so an outage costs no waiting;
/// otherwise the database is tried and, when it fails to answer, the spool takes the request.
public final class SpoolingLeadStore: LeadStore {
    public let database: PostgresLeadStore
    public let spool: Spool
    let logger: Logger

    public init(database: PostgresLeadStore, spool: Spool, logger: Logger) {
        self.database = database
        self.spool = spool
        self.logger = logger
        // Down until the database has answered (and been migrated) once; down again after a failed request.
        database.setOutage(true)
    }

    public var isDatabaseDown: Bool { self.database.isMarkedDown }

    func markDatabaseDown(_ reason: String) {
        if self.database.setOutage(true) {
            self.logger.warning("database unavailable; keeping requests in the local spool", metadata: ["error": "\(reason)"])
        }
    }

    func markDatabaseUp() {
        if self.database.setOutage(false) {
            self.logger.notice("database available; intake writes to it again", metadata: ["spool.entries": "\(self.spool.pendingCount)"])
        }
    }

    public func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        if let key = submission.headers.idempotencyKey, self.spool.leadID(forKey: key) != nil {
            return try await self.append(submission, as: interpretation)
        }
        if self.isDatabaseDown {
            return try await self.append(submission, as: interpretation)
        }
        do {
            return try await self.database.record(submission, as: interpretation)
        } catch LeadStoreError.unavailable(let reason) {
            self.markDatabaseDown(reason)
            return try await self.append(submission, as: interpretation)
        }
    }

    private func append(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        do {
            return try await self.spool.append(submission, as: interpretation)
        } catch let error as Spool.SpoolError {
            throw LeadStoreError.unavailable("\(error)")
        }
    }

    /// Migrates when the database answers; when it does not (within half a second), start-up goes on at once and
    /// the drainer migrates later.
    public func migrate() async throws {
        do {
            try await self.database.checkHealth(deadline: min(self.database.deadline, .milliseconds(500)))
            try await self.database.migrate()
            self.markDatabaseUp()
        } catch LeadStoreError.unavailable(let reason) {
            self.logger.warning("database unavailable at start; spooling until it answers", metadata: ["error": "\(reason)"])
        }
    }

    public func checkHealth() async throws {
        try await self.database.checkHealth()
    }

    public func health() async -> StoreHealth {
        // While the database is known to be down, the drainer probes it; /health answers at once.
        var databaseUp = false
        if !self.isDatabaseDown {
            databaseUp = (try? await self.database.checkHealth()) != nil
        }
        return StoreHealth(
            databaseUp: databaseUp,
            spooled: self.spool.pendingCount,
            acceptingLeads: databaseUp || self.spool.canAccept
        )
    }

    public func lead(id: String) async throws -> StoredLead? { try await self.database.lead(id: id) }
    public func submissions(forLead leadID: String) async throws -> [StoredSubmission] { try await self.database.submissions(forLead: leadID) }
    public func submission(id: String) async throws -> StoredSubmission? { try await self.database.submission(id: id) }
    public func leadCount() async throws -> Int { try await self.database.leadCount() }
    public func submissionCount() async throws -> Int { try await self.database.submissionCount() }

    public func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission] {
        try await self.database.submissions(matching: selection, after: cursor, limit: limit)
    }

    public func countSubmissions(matching selection: ReplaySelection) async throws -> Int {
        try await self.database.countSubmissions(matching: selection)
    }

    public func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult {
        try await self.database.replay(submission, dryRun: dryRun)
    }
}
