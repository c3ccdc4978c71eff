import Foundation
import LeadTestSupport
import Testing

@testable import LeadStorage

/// PostgreSQL logs a logged statement's parameters, and intake's parameters are its leads: leadcrm must notice when
/// the server's settings would copy them into its log.
@Suite struct StatementLoggingTests {
    @Test func postgresDefaultsLogNothing() {
        #expect(StatementLogging.defaults.logging == [])
        #expect(!StatementLogging.defaults.logsLeads)
    }

    @Test func slowStatementLoggingWithParametersLogsLeads() {
        var logging = StatementLogging.defaults
        logging.minDuration = 250
        #expect(logging.logging == ["log_min_duration_statement = 250 ms"])
        #expect(logging.logsLeads)
        logging.parameterMaxLength = 64
        #expect(logging.logsLeads, "the first 64 bytes of an email are the email")
        logging.parameterMaxLength = 0
        #expect(!logging.logsLeads)
    }

    @Test(arguments: [("none", false), ("ddl", false), ("mod", true), ("all", true)])
    func loggingByKindOfStatement(statement: String, logsLeads: Bool) {
        var logging = StatementLogging.defaults
        logging.statement = statement
        #expect(logging.logsLeads == logsLeads)
    }

    @Test func sampledLoggingCountsOnlyWhenItSamples() {
        var logging = StatementLogging.defaults
        logging.minDurationSample = 100
        logging.statementSampleRate = 0
        #expect(!logging.logsLeads)
        logging.statementSampleRate = 0.1
        #expect(logging.logging == ["log_min_duration_sample = 100 ms"])
        logging.minDurationSample = -1
        logging.transactionSampleRate = 0.01
        #expect(logging.logging == ["log_transaction_sample_rate = 0.01"])
    }

    @Test func readsPostgresSettingsAndKeepsDefaultsForMissingOnes() {
        let logging = StatementLogging(settings: [
            "log_min_duration_statement": "5",
            "log_statement": "ddl",
            "log_parameter_max_length": "not a number",
        ])
        #expect(logging.minDuration == 5)
        #expect(logging.statement == "ddl")
        #expect(logging.parameterMaxLength == -1)
        #expect(logging.minDurationSample == -1)
        #expect(logging.logsLeads)
    }

    @Test func theFixQuotesTheRole() {
        #expect(StatementLogging.fix(role: #"lead"crm"#) == #"ALTER ROLE "lead""crm" SET log_parameter_max_length = 0"#)
    }

    /// A role's own settings (what a superuser's `ALTER ROLE … SET` gives it) are what its sessions see.
    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func readsTheSettingsOfTheRoleItConnectsAs() async throws {
        try await TestDatabase.with(.postgres, migrate: false) { db in
            let role = "leadcrm_test_logging_" + UUID().uuidString.prefix(8).lowercased()
            try await db.execute([
                "CREATE ROLE \"\(role)\" LOGIN",
                "ALTER ROLE \"\(role)\" SET log_min_duration_statement = '1h'",
                "ALTER ROLE \"\(role)\" SET log_parameter_max_length = -1",
            ])
            do {
                var settings = try PostgresSettings(url: db.location)
                settings.username = role
                let logged = try await Self.statementLogging(settings)
                #expect(logged.minDuration == 3_600_000)
                #expect(logged.parameterMaxLength == -1)
                #expect(logged.logsLeads)

                try await db.execute(["ALTER ROLE \"\(role)\" SET log_parameter_max_length = 0"])
                let fixed = try await Self.statementLogging(settings)
                #expect(fixed.parameterMaxLength == 0)
                #expect(!fixed.logsLeads)
            } catch {
                try? await db.execute(["DROP ROLE \"\(role)\""])
                throw error
            }
            try await db.execute(["DROP ROLE \"\(role)\""])
        }
    }

    /// The logging settings of a fresh session with `settings`.
    static func statementLogging(_ settings: PostgresSettings) async throws -> StatementLogging {
        let store = PostgresLeadStore(settings: settings, deadline: .seconds(15), logger: TestDatabase.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            return try await store.statementLogging()
        }
    }
}
