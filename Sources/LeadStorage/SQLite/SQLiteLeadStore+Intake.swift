import LeadCore
import Logging
import SQLiteNIO

extension SQLiteLeadStore {
    public func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        try await self.batcher.submit(IntakeItem(submission: submission, interpretation: interpretation))
    }

    /// Writes these requests as one batch, as the batcher does with concurrent requests.
    func recordBatch(_ items: [IntakeItem]) async throws -> [IntakeResult] {
        try await Self.writeBatch(items, in: self.database, writer: self.intakeWriter, logger: self.logger)
    }

    /// One transaction (one fsync) for a whole batch, on the intake writer's connection; if a lead in it cannot be
    /// inserted, the batch is written again request by request, so that only that lead fails and its batch-mates
    /// are stored.
    static func writeBatch(
        _ items: [IntakeItem],
        in database: SQLiteDatabaseFile,
        writer: SQLiteIntakeWriter,
        logger: Logger
    ) async throws -> [IntakeResult] {
        let transaction = SQLiteLeadTransaction(database: database)
        do {
            return try await database.lock.withLock { try await writer.write(items) }
        } catch let error as SQLiteIntakeWriter.Failure {
            logger.warning("a batch insert failed; writing its requests one by one", metadata: ["error": "\(error.message)"])
            return try await database.transaction {
                var results: [IntakeResult] = []
                for item in items {
                    results.append(try await IntakeWriter.record(item.submission, as: item.interpretation, in: transaction, logger: logger))
                }
                return results
            }
        }
    }

    public func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult {
        try await self.transaction(rollback: dryRun) {
            try await IntakeWriter.replay(submission, in: SQLiteLeadTransaction(database: self.database), logger: self.logger)
        }
    }

    public func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission] {
        var (condition, binds) = Self.condition(for: selection)
        if let cursor {
            condition += #" AND ("createdAt", "id") > (?, ?)"#
            binds += [.text(Timestamp.format(cursor.receivedAt)), .text(cursor.id)]
        }
        let rows = try await self.rows(
            "SELECT \(Self.submissionColumns) FROM \"leads_raw\" WHERE \(condition) ORDER BY \"createdAt\", \"id\" LIMIT ?",
            binds + [.integer(limit)]
        )
        return try rows.map(Self.submission(from:))
    }

    public func countSubmissions(matching selection: ReplaySelection) async throws -> Int {
        let (condition, binds) = Self.condition(for: selection)
        let rows = try await self.rows("SELECT count(*) AS \"n\" FROM \"leads_raw\" WHERE \(condition)", binds)
        return rows.first?.column("n")?.integer ?? 0
    }

    static func condition(for selection: ReplaySelection) -> (String, [SQLiteData]) {
        var condition = "\"outcome\" IN (\(selection.outcomes.map { _ in "?" }.joined(separator: ", "))) AND \"erased_at\" IS NULL"
        var binds = selection.outcomes.map { SQLiteData.text($0.rawValue) }
        if let since = selection.since {
            condition += #" AND "createdAt" >= ?"#
            binds.append(.text(Timestamp.format(since)))
        }
        if let until = selection.until {
            condition += #" AND "createdAt" < ?"#
            binds.append(.text(Timestamp.format(until)))
        }
        return (condition, binds)
    }
}
