import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// Set-up shared by the spool tests: temporary spool directories, a database that never answers, filling a spool
/// the way intake does during an outage, and draining a spool into a real database.
enum SpoolFixtures {
    /// Runs `body` with `count` fresh directory paths (not created yet), removed afterwards whatever happens.
    static func withDirectories<T>(_ count: Int = 1, _ body: ([String]) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("leadcrm-spool-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        return try await body((0..<count).map { "\(root)/spool-\($0)" })
    }

    static func open(_ directory: String, maxBytes: Int = 1 << 30, segmentBytes: Int = 8 << 20) throws -> Spool {
        try Spool.open(Spool.Configuration(directory: directory, maxBytes: maxBytes, segmentBytes: segmentBytes), logger: TestDatabase.logger)
    }

    /// The journal segment files in a spool directory, oldest first.
    static func journalFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("journal-") && $0.hasSuffix(".log") }
            .sorted()
            .map { "\(directory)/\($0)" }
    }

    /// Appends requests one after the other, each read the way the intake route reads it.
    static func append(_ submissions: [RawSubmission], to spool: Spool) async throws -> [IntakeResult] {
        var results: [IntakeResult] = []
        for submission in submissions {
            results.append(try await self.appender(spool)(submission))
        }
        return results
    }

    /// Appends a request to `spool` as intake does: read the way the intake route reads it.
    static func appender(_ spool: Spool) -> @Sendable (RawSubmission) async throws -> IntakeResult {
        { submission in try await spool.append(submission, as: SubmissionInterpretation(of: submission)) }
    }

    /// Sends every request at once through `record`; the answers come back in completion order.
    static func concurrently(
        _ submissions: [RawSubmission],
        _ record: @escaping @Sendable (RawSubmission) async throws -> IntakeResult
    ) async throws -> [IntakeResult] {
        try await withThrowingTaskGroup(of: IntakeResult.self) { group in
            for submission in submissions {
                group.addTask { try await record(submission) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Reopens a spool and reads what the drainer would get first: with the default segment size, every request
    /// in the journal, in order. Marks nothing drained.
    static func reopenAndRead(_ directory: String) throws -> (pending: Int, submissions: [RawSubmission]) {
        let spool = try self.open(directory)
        defer { spool.close() }
        return (spool.pendingCount, try spool.nextBatch(maxEntries: .max, maxBytes: .max)?.submissions ?? [])
    }

    /// A lead body whose size depends only on `index` (up to 999), so equal-sized records can fill a spool exactly.
    static func lead(_ index: Int, key: String? = nil, tag: String = "lead") -> RawSubmission {
        let number = String(repeating: "0", count: max(0, 3 - String(index).count)) + String(index)
        return RawSubmission.fixture(#"{"email":"\#(tag)-\#(number)@example.com","firstName":"Ann \#(number)"}"#, key: key)
    }

    /// Leads with keys of equal length, so their records have equal sizes.
    static func keyedLeads(_ count: Int, prefix: String = "key") -> [RawSubmission] {
        (0..<count).map { self.lead($0, key: "\(prefix)-\($0 + 1000)") }
    }

    /// Sends `perRound` requests with one key at once through `record`, `rounds` times with a new key each time.
    /// Returns each key with the lead id its one `202` promised, after checking that every other answer was a `409`
    /// naming that id.
    static func raceOneKey(
        rounds: Int,
        perRound: Int = 40,
        prefix: String,
        _ record: @escaping @Sendable (RawSubmission) async throws -> IntakeResult
    ) async throws -> [String: String] {
        var promised: [String: String] = [:]
        for round in 0..<rounds {
            let key = "\(prefix)-\(round)"
            let results = try await self.concurrently((0..<perRound).map { self.lead($0, key: key) }, record)
            let queued = results.filter { $0.outcome == .queued }.compactMap(\.leadID)
            try #require(queued.count == 1, "\(key): \(results.map(\.outcome))")
            #expect(results.filter { $0 != .queued(leadID: queued[0]) }.allSatisfy { $0 == .duplicate(leadID: queued[0]) })
            promised[key] = queued[0]
        }
        return promised
    }

    static func recordSize(_ submission: RawSubmission) -> Int {
        SpoolRecord.encode(submission).count
    }

    // MARK: - Databases

    /// A PostgreSQL store pointed at a closed port, its client running for the duration of `body`.
    static func withDeadDatabase<T>(_ body: (PostgresLeadStore) async throws -> T) async throws -> T {
        let settings = try PostgresSettings(url: "postgres://postgres@127.0.0.1:1/x?sslmode=disable")
        let store = PostgresLeadStore(settings: settings, deadline: .milliseconds(300), logger: TestDatabase.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// Records requests through a `SpoolingLeadStore` whose database is dead, as intake does during an outage, then
    /// closes the spool the way a stopping (or crashed) process leaves it.
    static func spoolDuringOutage(
        _ submissions: [RawSubmission],
        in directory: String,
        deadDatabase: PostgresLeadStore
    ) async throws -> [IntakeResult] {
        let spool = try self.open(directory)
        defer { spool.close() }
        let store = SpoolingLeadStore(database: deadDatabase, spool: spool, logger: TestDatabase.logger)
        var results: [IntakeResult] = []
        for submission in submissions {
            results.append(try await store.record(submission))
        }
        return results
    }

    /// Opens the journal a previous process left in `directory` and drains it into `database` with `SpoolDrainer`,
    /// the way a starting process does. The returned spool is still open, for the caller to inspect.
    static func drain(
        _ directory: String,
        into database: PostgresLeadStore,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Spool {
        let spool = try self.open(directory)
        let store = SpoolingLeadStore(database: database, spool: spool, logger: TestDatabase.logger)
        try await self.drainAll(store, sourceLocation: sourceLocation)
        return spool
    }

    /// Calls `step()` until there is nothing left to do; a failed probe is retried a few times.
    static func drainAll(_ store: SpoolingLeadStore, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let drainer = SpoolDrainer(store: store, logger: TestDatabase.logger)
        for _ in 0..<500 {
            if try await drainer.step() { continue }
            if !store.isDatabaseDown { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the drainer did not finish: \(store.spool.pendingCount) pending", sourceLocation: sourceLocation)
    }
}
