import LeadCore
import Synchronization

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

/// A store that answers as a real one would (`stored`, or the rejection the request was interpreted as), once the
/// test lets it: what the handler does while a write is pending.
final class GatedStore: LeadStore {
    private struct State {
        var submissions: [RawSubmission] = []
        var waiting: [CheckedContinuation<Void, Never>] = []
        var isOpen: Bool
    }

    private let state: Mutex<State>

    init(open: Bool = true) {
        self.state = Mutex(State(isOpen: open))
    }

    var submissions: [RawSubmission] { self.state.withLock { $0.submissions } }

    func open() {
        let waiting = self.state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func waitForSubmissions(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while self.submissions.count < count {
            guard ContinuousClock.now < deadline else { throw GatedStoreTimeout() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        let number = self.state.withLock { state in
            state.submissions.append(submission)
            return state.submissions.count
        }
        await withCheckedContinuation { continuation in
            let goesOn = self.state.withLock { state in
                if !state.isOpen { state.waiting.append(continuation) }
                return state.isOpen
            }
            if goesOn { continuation.resume() }
        }
        if case .rejected(let rejection) = interpretation { return .rejected(rejection) }
        return .stored(leadID: "lead-\(number)")
    }

    func migrate() async throws {}
    func checkHealth() async throws {}
    func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission] { [] }
    func countSubmissions(matching selection: ReplaySelection) async throws -> Int { 0 }
    func replay(_ submission: StoredSubmission, dryRun: Bool) async throws -> ReplayResult { throw GatedStoreTimeout() }
    func lead(id: String) async throws -> StoredLead? { nil }
    func submissions(forLead leadID: String) async throws -> [StoredSubmission] { [] }
    func submission(id: String) async throws -> StoredSubmission? { nil }
    func leadCount() async throws -> Int { 0 }
    func submissionCount() async throws -> Int { self.submissions.count }
}

struct GatedStoreTimeout: Error {}
