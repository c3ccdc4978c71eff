import Foundation
import LeadCore
import Logging

/// The rules of the write path, shared by every backend: what live intake writes for a request, and what replay
/// writes for a raw row.
enum IntakeWriter {
    /// Writes the raw row and, for a lead, the lead. The lead insert runs under a savepoint: if it fails for any
    /// reason the raw row is still committed as `failed` (with the error) for `leadcrm replay`, and the sender gets a
    /// `202`, because the request itself is safe.
    static func record(
        _ submission: RawSubmission,
        as interpretation: SubmissionInterpretation,
        in transaction: some LeadTransaction,
        logger: Logger
    ) async throws -> IntakeResult {
        guard case .lead(let lead) = interpretation else {
            let result = IntakeResult.rejected(Self.rejection(of: interpretation))
            try await transaction.insertRaw(submission, outcome: .invalid, leadID: nil, error: submission.bodyError)
            return result
        }
        let attempt = try await self.makeLead(
            lead,
            id: submission.idText,
            createdAt: submission.receivedAt,
            idempotencyKey: submission.headers.idempotencyKey,
            requestID: submission.headers.requestID,
            in: transaction,
            logger: logger
        )
        try await transaction.insertRaw(submission, outcome: attempt.outcome, leadID: attempt.leadID, error: attempt.error)
        switch attempt.outcome {
        case .stored: return .stored(leadID: attempt.leadID)
        case .duplicate: return .duplicate(leadID: attempt.leadID)
        default: return .failed(leadID: attempt.leadID)
        }
    }

    /// Writes a batch of requests with a few multi-row statements: all leads at once, then the raw rows. A repeated
    /// key inside the batch or already in the database becomes a duplicate of the lead holding it. Throws if a lead
    /// insert fails; the caller then rolls back and uses `record` per request, whose savepoints isolate the bad lead.
    static func recordBatch(
        _ items: [(submission: RawSubmission, interpretation: SubmissionInterpretation)],
        in transaction: some LeadBatchTransaction
    ) async throws -> [IntakeResult] {
        let leadRows = items.compactMap { item -> LeadRow? in
            guard case .lead(let lead) = item.interpretation else { return nil }
            let submission = item.submission
            return LeadRow(
                id: submission.idText,
                createdAt: submission.receivedAt,
                lead: lead,
                idempotencyKey: submission.headers.idempotencyKey,
                requestID: submission.headers.requestID
            )
        }
        let inserted = leadRows.isEmpty ? [] : try await transaction.insertLeads(leadRows)
        let unresolved = leadRows.filter { !inserted.contains($0.id) }
        let existing =
            unresolved.isEmpty
            ? (ids: Set<String>(), byKey: [String: String]())
            : try await transaction.existingLeads(ids: unresolved.map(\.id), keys: unresolved.compactMap(\.idempotencyKey))
        var results: [IntakeResult] = []
        var raws: [RawRow] = []
        for item in items {
            let id = item.submission.idText
            let result: IntakeResult
            switch item.interpretation {
            case .rejected(let rejection):
                result = .rejected(rejection)
            case .lead:
                if inserted.contains(id) || existing.ids.contains(id) {
                    result = .stored(leadID: id)
                } else if let key = item.submission.headers.idempotencyKey, let holder = existing.byKey[key] {
                    result = .duplicate(leadID: holder)
                } else {
                    throw LeadStoreInconsistency(description: "a lead conflicts on its key, but no lead holds it")
                }
            }
            results.append(result)
            raws.append(RawRow(submission: item.submission, outcome: result.outcome, leadID: result.leadID, error: item.submission.bodyError))
        }
        try await transaction.insertRaws(raws)
        return results
    }

    /// Writes requests that were acknowledged from the spool as one batch, leaving out those already written (by an
    /// earlier drain, or by the original attempt that committed after its deadline). Returns how many were written.
    ///
    /// A request already written as `failed` (its write reached the database but the database went away before the
    /// duplicate was linked, so the sender was answered from the spool) is finished here, as replay would.
    static func recordBatchIfAbsent(
        _ submissions: [RawSubmission],
        in transaction: some LeadBatchTransaction,
        logger: Logger
    ) async throws -> Int {
        let present = try await transaction.existingRaws(ids: submissions.map(\.idText))
        for submission in submissions where present[submission.idText] == .failed {
            _ = try await self.replay(StoredSubmission(failed: submission), in: transaction, logger: logger)
        }
        let missing = submissions.filter { present[$0.idText] == nil }
        guard !missing.isEmpty else { return 0 }
        _ = try await self.recordBatch(missing.map { ($0, SubmissionInterpretation(of: $0)) }, in: transaction)
        return missing.count
    }

    /// Writes a request that was acknowledged from the spool, unless a previous drain (or the original attempt, which
    /// may have committed after its deadline) already wrote it: the raw row's id decides. `nil` when already there.
    static func recordIfAbsent(
        _ submission: RawSubmission,
        in transaction: some LeadTransaction,
        logger: Logger
    ) async throws -> IntakeResult? {
        guard try await transaction.lockRaw(id: submission.idText) == nil else { return nil }
        return try await self.record(submission, as: SubmissionInterpretation(of: submission), in: transaction, logger: logger)
    }

    /// Re-normalizes one raw row. A row without its lead (`failed`, `queued`, or `invalid` that now reads as a lead)
    /// gets it, exactly as live intake would have made it; a `stored` row's lead gets the fields its body now
    /// normalizes to. A `duplicate` stays as it is: its lead was made from the first request.
    static func replay(_ submission: StoredSubmission, in transaction: some LeadTransaction, logger: Logger) async throws -> ReplayResult {
        guard let current = try await transaction.lockRaw(id: submission.id) else {
            return ReplayResult(before: submission.outcome, after: submission.outcome, leadID: submission.leadID, leadUpdated: false)
        }
        var result = ReplayResult(before: current.outcome, after: current.outcome, leadID: current.leadID, leadUpdated: false)
        if current.outcome == .invalid && submission.error != nil {
            // A body that never arrived whole stays invalid, even if its first bytes happen to read as a lead.
            return result
        }
        let interpretation = SubmissionInterpretation(
            body: submission.body,
            truncated: submission.truncated,
            contentType: submission.headers.contentType
        )
        guard case .lead(let lead) = interpretation else {
            if current.outcome == .failed || current.outcome == .queued {
                try await transaction.updateRaw(id: submission.id, outcome: .invalid, leadID: nil, error: nil)
                result.after = .invalid
                result.leadID = nil
            }
            return result
        }
        switch current.outcome {
        case .duplicate:
            return result
        case .stored:
            if let leadID = current.leadID, try await transaction.updateLead(id: leadID, with: lead) {
                result.leadUpdated = true
            }
            return result
        case .failed, .queued, .invalid:
            let attempt = try await self.makeLead(
                lead,
                id: submission.id,
                createdAt: submission.receivedAt,
                idempotencyKey: submission.headers.idempotencyKey,
                requestID: submission.headers.requestID,
                in: transaction,
                logger: logger
            )
            try await transaction.updateRaw(id: submission.id, outcome: attempt.outcome, leadID: attempt.leadID, error: attempt.error)
            result.after = attempt.outcome
            result.leadID = attempt.leadID
            return result
        }
    }

    /// Inserts the lead under a savepoint, or finds the lead that already holds its key.
    private static func makeLead(
        _ lead: NormalizedLead,
        id: String,
        createdAt: Date,
        idempotencyKey: String?,
        requestID: String?,
        in transaction: some LeadTransaction,
        logger: Logger
    ) async throws -> (outcome: IntakeOutcome, leadID: String, error: String?) {
        try await transaction.savepoint()
        do {
            let inserted = try await transaction.insertLead(
                lead,
                id: id,
                createdAt: createdAt,
                idempotencyKey: idempotencyKey,
                requestID: requestID
            )
            let outcome: IntakeOutcome
            let leadID: String
            if inserted {
                (outcome, leadID) = (.stored, id)
            } else {
                // The id or key is taken. The insert waited for the other transaction to commit, and this new
                // statement sees its row.
                guard let existing = try await transaction.existingLead(id: id, idempotencyKey: idempotencyKey) else {
                    throw LeadStoreInconsistency(description: "a lead conflicts on its key, but no lead holds it")
                }
                (outcome, leadID) = (existing == id ? .stored : .duplicate, existing)
            }
            try await transaction.releaseSavepoint()
            return (outcome, leadID, nil)
        } catch let error as any DatabaseErrorDescribing where error.isStatementFailure {
            // The database refused this lead. If the connection itself is gone the rollback throws too, and the
            // whole request fails: nothing was committed.
            try await transaction.rollbackToSavepoint()
            logger.error("lead insert failed; request kept for replay", metadata: ["raw.id": "\(id)", "error": "\(error.databaseMessage)"])
            return (.failed, id, error.databaseMessage)
        }
    }

    private static func rejection(of interpretation: SubmissionInterpretation) -> IntakeRejection {
        if case .rejected(let rejection) = interpretation { return rejection }
        return .invalidJSON
    }
}

extension StoredSubmission {
    /// A journaled request as its `failed` raw row reads.
    init(failed submission: RawSubmission) {
        self.init(
            id: submission.idText,
            receivedAt: submission.receivedAt,
            body: submission.body,
            truncated: submission.truncated,
            headers: submission.headers,
            clientAddress: submission.clientAddress,
            outcome: .failed,
            leadID: nil,
            error: submission.bodyError
        )
    }
}

/// An error that can say what the database reported, without driver noise.
protocol DatabaseErrorDescribing: Error {
    var databaseMessage: String { get }
    /// The database refused a statement (a constraint, a trigger, a bad value), as opposed to a lost connection,
    /// a timeout or a cancelled task, which say nothing about the lead.
    var isStatementFailure: Bool { get }
}

/// The database answered in a way its constraints should make impossible.
struct LeadStoreInconsistency: Error, CustomStringConvertible {
    let description: String
}

/// One line about a failure for an operator: the database's own message for a database error (a `PSQLError`
/// alone only says that something failed).
public func operatorDescription(of error: any Error) -> String {
    if let error = error as? any DatabaseErrorDescribing { return error.databaseMessage }
    return "\(error)"
}
