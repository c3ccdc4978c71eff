import LeadCore

/// A store whose every operation fails with one error: the database outages and surprises a real store cannot be
/// made to produce on demand.
struct FailingStore: LeadStore, CustomStringConvertible {
    let error: any Error
    let description: String

    /// The database is away: requests must get 503 with `Retry-After`, and `/health` must say so.
    static let unavailable = FailingStore(error: LeadStoreError.unavailable("connection refused (test)"), description: "unavailable")
    /// A failure nobody planned for, whose text must never reach a response.
    static let broken = FailingStore(error: LeakyError(), description: "broken")

    func migrate() async throws { throw self.error }
    func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult { throw self.error }
    func checkHealth() async throws { throw self.error }
    func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission] {
        throw self.error
    }
    func countSubmissions(matching selection: ReplaySelection) async throws -> Int { throw self.error }
    func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult { throw self.error }
    func lead(id: String) async throws -> StoredLead? { throw self.error }
    func submissions(forLead leadID: String) async throws -> [StoredSubmission] { throw self.error }
    func submission(id: String) async throws -> StoredSubmission? { throw self.error }
    func leadCount() async throws -> Int { throw self.error }
    func submissionCount() async throws -> Int { throw self.error }
}

/// An error whose text looks like what must stay in the log: SQL and a secret.
struct LeakyError: Error, CustomStringConvertible {
    static let text = "SELECT secret FROM credentials WHERE password = 'hunter2'"
    var description: String { Self.text }
}

/// Passes everything to a real store and remembers the ids of the requests it recorded, so a test can read back the
/// raw row of a request that made no lead (there is no lead id in its response to find it by).
actor RecordingStore: LeadStore {
    let base: any LeadStore
    private(set) var recordedIDs: [String] = []

    init(_ base: any LeadStore) {
        self.base = base
    }

    func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        self.recordedIDs.append(submission.idText)
        return try await self.base.record(submission, as: interpretation)
    }

    /// The raw row of the only request recorded so far.
    func onlySubmission() async throws -> StoredSubmission? {
        guard self.recordedIDs.count == 1 else { return nil }
        return try await self.base.submission(id: self.recordedIDs[0])
    }

    func migrate() async throws { try await self.base.migrate() }
    func checkHealth() async throws { try await self.base.checkHealth() }
    func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission] {
        try await self.base.submissions(matching: selection, after: cursor, limit: limit)
    }
    func countSubmissions(matching selection: ReplaySelection) async throws -> Int { try await self.base.countSubmissions(matching: selection) }
    func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult { try await self.base.replay(submission, dryRun: dryRun) }
    func lead(id: String) async throws -> StoredLead? { try await self.base.lead(id: id) }
    func submissions(forLead leadID: String) async throws -> [StoredSubmission] { try await self.base.submissions(forLead: leadID) }
    func submission(id: String) async throws -> StoredSubmission? { try await self.base.submission(id: id) }
    func leadCount() async throws -> Int { try await self.base.leadCount() }
    func submissionCount() async throws -> Int { try await self.base.submissionCount() }
}
