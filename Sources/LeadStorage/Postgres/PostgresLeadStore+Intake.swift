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
        try await Self.writeBatch(items, client: self.client, deadline: self.deadline, logger: self.logger)
    }

    /// One transaction for a whole batch; if a lead in it cannot be inserted, the batch is written again request by
    /// request, so that only that lead fails (its request kept as `failed`) and its batch-mates are stored.
    static func writeBatch(_ items: [IntakeItem], client: PostgresClient, deadline: Duration, logger: Logger) async throws -> [IntakeResult] {
        do {
            // An explicit transaction, not the statement's implicit one: a query's rows can be complete before its
            // implicit commit is, and nothing may be answered before the commit is on disk.
            return try await self.transaction(client: client, deadline: deadline, logger: logger) { transaction in
                try await Self.writeBatch(items, on: transaction.connection, logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo != nil {
            logger.warning("a batch insert failed; writing its requests one by one", metadata: ["error": "\(error.databaseMessage)"])
            return try await self.transaction(client: client, deadline: deadline, logger: logger) { transaction in
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

    /// The batch in one statement (`InsertBatchStatement`), then one more only when some keys were already held;
    /// the caller wraps them in a transaction.
    static func writeBatch(_ items: [IntakeItem], on connection: PostgresConnection, logger: Logger) async throws -> [IntakeResult] {
        var outcomes: [String: (outcome: IntakeOutcome, leadID: String?)] = [:]
        var unlinked: [String] = []
        for try await (id, outcome, leadID) in try await connection.execute(InsertBatchStatement(items: items), logger: logger) {
            let outcome = IntakeOutcome(rawValue: outcome) ?? .failed
            outcomes[id] = (outcome, leadID)
            if outcome == .failed { unlinked.append(id) }
        }
        if !unlinked.isEmpty {
            for (id, leadID) in try await Self.linkDuplicates(unlinked, on: connection, logger: logger) {
                outcomes[id] = (.duplicate, leadID)
            }
        }
        return items.map { item in
            let id = item.submission.idText
            if case .rejected(let rejection) = item.interpretation { return .rejected(rejection) }
            switch outcomes[id] {
            case (.stored, _)?: return .stored(leadID: id)
            case (.duplicate, let leadID?)?: return .duplicate(leadID: leadID)
            default: return .failed(leadID: id)
            }
        }
    }

    /// Links raw rows whose key another lead holds: they become duplicates of it. Not prepared, so that each run is
    /// planned for the table as it is now (an index lookup per key).
    static func linkDuplicates(_ ids: [String], on connection: PostgresConnection, logger: Logger) async throws -> [(String, String)] {
        let rows = try await connection.query(
            """
            UPDATE "leads_raw" AS "r" SET "outcome" = 'duplicate', "lead_id" = "l"."id", "error" = NULL
            FROM "leads" AS "l"
            WHERE "r"."id" = ANY(\(ids)) AND leadcrm_key_digest("l"."idempotency_key") = leadcrm_key_digest("r"."idempotency_key")
            RETURNING "r"."id", "l"."id"
            """,
            logger: logger
        )
        var linked: [(String, String)] = []
        for try await pair in rows.decode((String, String).self) { linked.append(pair) }
        return linked
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
        try await Self.transaction(client: self.client, deadline: self.deadline, rollback: rollback, logger: self.logger, body)
    }

    static func transaction<T: Sendable>(
        client: PostgresClient,
        deadline: Duration,
        rollback: Bool = false,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresLeadTransaction) async throws -> T
    ) async throws -> T {
        try await Self.perform(client: client, deadline: deadline) { client in
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
