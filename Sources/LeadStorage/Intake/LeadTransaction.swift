import Foundation
import LeadCore

/// The statements of the write path on one backend, all inside one open transaction.
///
/// `IntakeWriter` decides what to write; a backend only says how. So live intake and replay follow one set of rules
/// on PostgreSQL and SQLite alike.
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
