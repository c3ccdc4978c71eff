/// Durable storage of intake requests and leads. The HTTP layer only sees this protocol; PostgreSQL and SQLite
/// implement it with the same behaviour, checked by one contract test suite.
public protocol LeadStore: Sendable {
    /// Creates or upgrades the tables. Safe to run again and from several processes at once.
    func migrate() async throws

    /// Records a request and, when it is a lead, the lead — in one transaction that is committed (fsynced) before
    /// this returns. A request whose `Idempotency-Key` is already taken is kept as a duplicate of that lead.
    func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult

    /// Raw requests matching `selection` after `cursor`, in received order, at most `limit`.
    func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission]
    func countSubmissions(matching selection: ReplaySelection) async throws -> Int

    /// Re-normalizes one raw request in a transaction of its own, exactly as live intake would have: a `failed` or
    /// `queued` request becomes its lead (or a duplicate of the lead that holds its key), an existing lead gets the
    /// fields its request now normalizes to. Idempotent: replaying again changes nothing. `dryRun` rolls back.
    func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult

    /// Throws when the database cannot take a write right now.
    func checkHealth() async throws

    /// What `/health` reports: whether the database answers, and whether a lead sent now would be kept.
    func health() async -> StoreHealth

    func lead(id: String) async throws -> StoredLead?
    /// Every raw request behind a lead, oldest first, duplicates included.
    func submissions(forLead leadID: String) async throws -> [StoredSubmission]
    func submission(id: String) async throws -> StoredSubmission?
    func leadCount() async throws -> Int
    func submissionCount() async throws -> Int
}

/// The state of a store as `/health` shows it.
public struct StoreHealth: Sendable, Equatable {
    public var databaseUp: Bool
    /// Requests held in the local spool, waiting for the database; `nil` when the store has no spool.
    public var spooled: Int?
    /// A lead sent now would be kept (by the database, or by the spool while the database is away).
    public var acceptingLeads: Bool

    public init(databaseUp: Bool, spooled: Int? = nil, acceptingLeads: Bool) {
        self.databaseUp = databaseUp
        self.spooled = spooled
        self.acceptingLeads = acceptingLeads
    }
}

extension LeadStore {
    public func health() async -> StoreHealth {
        do {
            try await self.checkHealth()
            return StoreHealth(databaseUp: true, acceptingLeads: true)
        } catch {
            return StoreHealth(databaseUp: false, acceptingLeads: false)
        }
    }
}

/// Errors a store reports for the caller to act on; anything else is unexpected.
public enum LeadStoreError: Error, Equatable, CustomStringConvertible {
    /// The database did not answer within its deadline or refused the connection.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "database unavailable: \(reason)"
        }
    }
}
