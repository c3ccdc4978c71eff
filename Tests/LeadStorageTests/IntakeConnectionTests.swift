import LeadCore
import LeadTestSupport
import Logging
import NIOPosix
import PostgresNIO
import Testing

@testable import LeadStorage

/// Intake's own PostgreSQL connection: kept between batches, replaced when it closed, hung or sat idle, and closed
/// with the store.
@Suite struct IntakeConnectionTests {
    static func backendPID(_ intake: IntakeConnection) async throws -> Int {
        try await intake.withConnection { connection in
            let rows = try await connection.query("SELECT pg_backend_pid()", logger: TestDatabase.logger)
            for try await pid in rows.decode(Int32.self) { return Int(pid) }
            throw LeadStoreError.unavailable("no backend pid")
        }
    }

    static func intakeConnection(_ db: TestDatabase, maximumIdle: Duration = .seconds(60)) throws -> IntakeConnection {
        IntakeConnection(
            settings: try PostgresSettings(url: db.location),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
            maximumIdle: maximumIdle,
            logger: TestDatabase.logger
        )
    }

    static func expectStored(_ result: IntakeResult, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .stored = result else {
            Issue.record("expected the lead stored, got \(result)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func batchesShareOneConnectionAndAClosedOneIsReplaced() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            Self.expectStored(try await store.record(.fixture(#"{"email":"first@example.com"}"#)))
            Self.expectStored(try await store.record(.fixture(#"{"email":"second@example.com"}"#)))
            let first = try await Self.backendPID(store.intakeConnection)
            #expect(try await Self.backendPID(store.intakeConnection) == first, "one connection for every batch")

            // The server ends the connection (a restart, an operator, idle_session_timeout): the next batch opens another.
            try await store.client.query("SELECT pg_terminate_backend(\(Int32(first)))")
            var replacement: Int?
            for _ in 0..<40 where replacement == nil {
                // The first try may still meet the closing connection; it is then dropped and the next opens anew.
                replacement = try? await Self.backendPID(store.intakeConnection)
                if replacement == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let second = try #require(replacement)
            #expect(second != first)
            Self.expectStored(try await store.record(.fixture(#"{"email":"third@example.com"}"#)))
            #expect(try await Self.backendPID(store.intakeConnection) == second)
        }
    }

    /// A batch that hangs (here behind a table lock) is answered `unavailable` at its deadline; its connection is
    /// closed, so the batches after it do not queue behind the hung statement but go on a new connection.
    @Test(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(1)))
    func aBatchPastItsDeadlineGivesUpItsConnection() async throws {
        try await TestDatabase.with(.postgres) { db in
            let locker = try #require(db.store as? PostgresLeadStore)
            let settings = try PostgresSettings(url: db.location)
            let store = PostgresLeadStore(settings: settings, deadline: .milliseconds(500), logger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                Self.expectStored(try await store.record(.fixture(#"{"email":"before@example.com"}"#)))
                let hung = try await Self.backendPID(store.intakeConnection)

                try await locker.client.withConnection { connection in
                    try await connection.query("BEGIN", logger: TestDatabase.logger)
                    try await connection.query(#"LOCK TABLE "leads" IN ACCESS EXCLUSIVE MODE"#, logger: TestDatabase.logger)
                    try await UnavailableDatabaseTests.expectUnavailable {
                        _ = try await store.record(.fixture(#"{"email":"blocked@example.com"}"#))
                    }
                    try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                }

                Self.expectStored(try await store.record(.fixture(#"{"email":"after@example.com"}"#)))
                #expect(try await Self.backendPID(store.intakeConnection) != hung)
            }
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func anIdleConnectionIsReplaced() async throws {
        try await TestDatabase.with(.postgres) { db in
            let intake = try Self.intakeConnection(db, maximumIdle: .milliseconds(200))
            let first = try await Self.backendPID(intake)
            #expect(try await Self.backendPID(intake) == first)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await Self.backendPID(intake) != first)
            await intake.close()
        }
    }

    /// On shutdown the store closes intake's connection with its pool; a batch after that is `unavailable`.
    @Test(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(1)))
    func theStoreClosesItOnShutdown() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = PostgresLeadStore(settings: try PostgresSettings(url: db.location), logger: TestDatabase.logger)
            let running = Task { await store.run() }
            Self.expectStored(try await store.record(.fixture(#"{"email":"open@example.com"}"#)))
            let pid = try await Self.backendPID(store.intakeConnection)
            running.cancel()
            await running.value
            try await UnavailableDatabaseTests.expectUnavailable {
                _ = try await store.record(.fixture(#"{"email":"closed@example.com"}"#))
            }
            let locker = try #require(db.store as? PostgresLeadStore)
            var open = true
            for _ in 0..<40 where open {
                let rows = try await locker.client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)")
                for try await count in rows.decode(Int.self) { open = count > 0 }
                if open { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(!open, "the server no longer has intake's connection")
        }
    }
}
