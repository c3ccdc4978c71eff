import Foundation
import LeadCore

/// The statements of the write path on one backend, all inside one open transaction.
///
/// `IntakeWriter` decides what to write; a backend only says how. So live intake and replay follow one set of rules
/// on PostgreSQL and SQLite alike.
/// A lead about to be inserted.
struct LeadRow: Sendable {
    let id: String
    let createdAt: Date
    let lead: NormalizedLead
    let idempotencyKey: String?
    let requestID: String?
}

/// A raw row about to be inserted.
struct RawRow: Sendable {
    let submission: RawSubmission
    let outcome: IntakeOutcome
    let leadID: String?
    let error: String?
}

protocol LeadTransaction {
    func savepoint() async throws
    func rollbackToSavepoint() async throws
    func releaseSavepoint() async throws

    /// Inserts the lead unless its id or its idempotency key is already taken; `true` when it was inserted.
    func insertLead(_ lead: NormalizedLead, id: String, createdAt: Date, idempotencyKey: String?, requestID: String?) async throws -> Bool
    /// The lead that has `id`, else the one holding `idempotencyKey`.
    func existingLead(id: String, idempotencyKey: String?) async throws -> String?
    /// Rewrites the lead's normalized fields when they differ; `true` when they did.
    func updateLead(id: String, with lead: NormalizedLead) async throws -> Bool

    func insertRaw(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?, error: String?) async throws
    func updateRaw(id: String, outcome: IntakeOutcome, leadID: String?, error: String?) async throws
    /// The raw row's outcome and lead, locked against a concurrent replay until the transaction ends.
    func lockRaw(id: String) async throws -> (outcome: IntakeOutcome, leadID: String?)?
}

/// Multi-row statements, for writing the spool's journal back in batches (PostgreSQL only: SQLite has no spool,
/// and live intake on either backend has a batch path of its own).
protocol LeadBatchTransaction: LeadTransaction {
    /// Inserts every lead whose id and idempotency key are free (the first of a repeated key wins); returns their ids.
    func insertLeads(_ rows: [LeadRow]) async throws -> Set<String>
    /// Which of `ids` exist as leads, and which lead holds each of `keys`.
    func existingLeads(ids: [String], keys: [String]) async throws -> (ids: Set<String>, byKey: [String: String])
    func insertRaws(_ rows: [RawRow]) async throws
    /// Which of these raw row ids are already in the database, with their outcomes.
    func existingRaws(ids: [String]) async throws -> [String: IntakeOutcome]
}
