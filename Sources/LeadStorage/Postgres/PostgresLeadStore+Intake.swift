import Foundation
import LeadCore
import Logging
import PostgresNIO

extension PostgresLeadStore {
    public func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        try await self.batcher.submit(IntakeItem(submission: submission, interpretation: interpretation))
    }

    /// Writes these requests as one batch, as the batcher does with concurrent requests.
    func recordBatch(_ items: [IntakeItem]) async throws -> [IntakeResult] {
        try await Self.writeBatch(items, on: self.intakeConnection, pool: self.pool, deadline: self.deadline, logger: self.logger)
    }

    /// One transaction for a whole batch (`IntakeBatchCall`, one round trip, on intake's own connection); if a lead
    /// in it cannot be inserted, the batch is written again request by request (on a pooled connection), so that
    /// only that lead fails (its request kept as `failed`) and its batch-mates are stored.
    static func writeBatch(
        _ items: [IntakeItem],
        on intake: IntakeConnection,
        pool: ConnectionPool,
        deadline: Duration,
        logger: Logger
    ) async throws -> [IntakeResult] {
        do {
            return try await Self.perform(pool: pool, deadline: deadline) { _ in
                try await intake.withConnection { connection in
                    try await Self.writeBatch(items, on: connection, logger: logger)
                }
            }
        } catch let error as PSQLError where error.serverInfo != nil {
            logger.warning("a batch insert failed; writing its requests one by one", metadata: ["error": "\(error.databaseMessage)"])
            return try await self.transaction(pool: pool, deadline: deadline, logger: logger) { transaction in
                var results: [IntakeResult] = []
                for item in items {
                    results.append(try await IntakeWriter.record(item.submission, as: item.interpretation, in: transaction, logger: logger))
                }
                return results
            }
        }
    }

    /// Writes a request from the spool, once: `nil` when its raw row is already in the database.
    public func recordIfAbsent(_ submission: RawSubmission) async throws -> IntakeResult? {
        try await self.writeTransaction { transaction in
            try await IntakeWriter.recordIfAbsent(submission, in: transaction, logger: self.logger)
        }
    }

    /// Calls the batch procedure, which commits before it answers, and maps its answer to each request's result. A
    /// lone request goes in one plain statement instead (`IntakeOneStatement`).
    static func writeBatch(_ items: [IntakeItem], on connection: PostgresConnection, logger: Logger) async throws -> [IntakeResult] {
        if items.count == 1 {
            return [try await Self.writeOne(items[0], on: connection, logger: logger)]
        }
        var outcomes: [String: WrittenRaw] = [:]
        outcomes.reserveCapacity(items.count)
        for try await (ids, kinds, leadIDs) in try await connection.execute(IntakeBatchCall(items: items), logger: logger) {
            for (id, (kind, leadID)) in zip(ids, zip(kinds, leadIDs)) {
                outcomes[id] = (IntakeOutcome(rawValue: kind) ?? .failed, leadID)
            }
        }
        return items.map { Self.result(of: $0, written: outcomes[$0.submission.idText]) }
    }

    private static func writeOne(_ item: IntakeItem, on connection: PostgresConnection, logger: Logger) async throws -> IntakeResult {
        var written: WrittenRaw?
        for try await (kind, leadID) in try await connection.execute(IntakeOneStatement(item: item), logger: logger) {
            written = (IntakeOutcome(rawValue: kind) ?? .failed, leadID)
        }
        if written?.outcome == .failed, case .lead = item.interpretation, let key = item.submission.headers.idempotencyKey {
            let link = LinkFailedDuplicate(rawID: item.submission.idText, key: key)
            for try await holder in try await connection.execute(link, logger: logger) {
                written = (.duplicate, holder)
            }
        }
        return Self.result(of: item, written: written)
    }

    /// The outcome and lead id a raw row was written with (an empty lead id where it has none).
    private typealias WrittenRaw = (outcome: IntakeOutcome, leadID: String)

    /// A request's answer from the outcome and lead id its raw row was written with.
    private static func result(of item: IntakeItem, written: WrittenRaw?) -> IntakeResult {
        let id = item.submission.idText
        if case .rejected(let rejection) = item.interpretation { return .rejected(rejection) }
        switch written {
        case (.stored, _)?: return .stored(leadID: id)
        case (.duplicate, let leadID)? where !leadID.isEmpty: return .duplicate(leadID: leadID)
        default: return .failed(leadID: id)
        }
    }

    /// Writes requests from the spool in one transaction, each once; returns how many were new. If the database
    /// refuses a lead of the batch, they are written one by one so only that one is kept as `failed`.
    public func recordBatchIfAbsent(_ submissions: [RawSubmission]) async throws -> Int {
        do {
            return try await self.writeTransaction { transaction in
                try await IntakeWriter.recordBatchIfAbsent(submissions, in: transaction, logger: self.logger)
            }
        } catch let error as PSQLError where error.serverInfo != nil {
            var written = 0
            for submission in submissions where try await self.recordIfAbsent(submission) != nil {
                written += 1
            }
            return written
        }
    }

    public func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult {
        try await self.writeTransaction(rollback: dryRun) { transaction in
            try await IntakeWriter.replay(submission, in: transaction, logger: self.logger)
        }
    }

    /// One transaction within the deadline; `rollback` undoes it at the end (a dry run sees exactly what would happen).
    func writeTransaction<T: Sendable>(
        rollback: Bool = false,
        _ body: @escaping @Sendable (PostgresLeadTransaction) async throws -> T
    ) async throws -> T {
        try await Self.transaction(pool: self.pool, deadline: self.deadline, rollback: rollback, logger: self.logger, body)
    }

    static func transaction<T: Sendable>(
        pool: ConnectionPool,
        deadline: Duration,
        rollback: Bool = false,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresLeadTransaction) async throws -> T
    ) async throws -> T {
        try await Self.perform(pool: pool, deadline: deadline) { client in
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(PostgresLeadTransaction(connection: connection, logger: logger))
                    try await connection.query(rollback ? "ROLLBACK" : "COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }
}
