import Foundation
import LeadCore
import Logging
import PostgresNIO

extension PostgresLeadStore {
    public func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        try await self.writeTransaction { transaction in
            try await IntakeWriter.record(submission, as: interpretation, in: transaction, logger: self.logger)
        }
    }

    /// Writes a request from the spool, once: `nil` when its raw row is already in the database.
    public func recordIfAbsent(_ submission: RawSubmission) async throws -> IntakeResult? {
        try await self.writeTransaction { transaction in
            try await IntakeWriter.recordIfAbsent(submission, in: transaction, logger: self.logger)
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
        let logger = self.logger
        return try await self.perform { client in
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
