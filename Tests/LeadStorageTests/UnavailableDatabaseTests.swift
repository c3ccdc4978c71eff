import LeadCore
import LeadStorage
import LeadTestSupport
import Testing

/// A database that cannot be reached must turn into `unavailable` quickly, so intake can spool and `/health` can
/// say so, instead of requests hanging on connection attempts.
@Suite struct UnavailableDatabaseTests {
    @Test(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(1)))
    func reportsAClosedPortAsUnavailable() async throws {
        let settings = try PostgresSettings(url: "postgres://postgres@127.0.0.1:1/leadcrm?sslmode=disable")
        let store = PostgresLeadStore(settings: settings, deadline: .milliseconds(500), logger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }

            try await Self.expectUnavailable { try await store.checkHealth() }
            let submission = RawSubmission.fixture(#"{"email":"a@b.c"}"#)
            try await Self.expectUnavailable { _ = try await store.record(submission) }
        }
    }

    /// Generous on purpose: the deadline is half a second, and the point is "seconds, not forever" on a slow machine.
    static func expectUnavailable(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ operation: @Sendable () async throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: LeadStoreError.self, sourceLocation: sourceLocation) { try await operation() }
        #expect(clock.now - start < .seconds(5), sourceLocation: sourceLocation)
        guard case .unavailable = try #require(error, sourceLocation: sourceLocation) else {
            Issue.record("expected LeadStoreError.unavailable, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
    }
}
