import Logging
import PostgresNIO

/// PostgreSQL's statement logging as it applies to leadcrm's sessions.
///
/// A logged statement comes with its parameters unless `log_parameter_max_length` is 0, and intake's parameters are
/// its leads: names, emails, phone numbers and the raw request bodies of a whole batch. Slow-statement logging
/// (`log_min_duration_statement`) is commonly on in production, and a batch that waited for a busy disk is slow:
/// it would copy those leads into the server's log, where erasure (`DELETE /api/leads/{id}`) cannot reach them, a
/// few hundred kilobytes a time. Only a superuser may change that setting, so leadcrm warns and names the fix.
struct StatementLogging: Sendable, Equatable {
    /// `log_parameter_max_length`: -1 logs parameters whole, 0 not at all, n their first n bytes.
    var parameterMaxLength: Int
    /// `log_min_duration_statement` in milliseconds; -1 is off, 0 logs every statement.
    var minDuration: Int
    /// `log_min_duration_sample` in milliseconds, for the share `log_statement_sample_rate` of statements.
    var minDurationSample: Int
    var statementSampleRate: Double
    /// `log_statement`: none, ddl, mod (intake's inserts among them) or all.
    var statement: String
    /// `log_transaction_sample_rate`: the share of transactions whose every statement is logged.
    var transactionSampleRate: Double

    /// PostgreSQL's defaults: nothing logged.
    static let defaults = StatementLogging(
        parameterMaxLength: -1,
        minDuration: -1,
        minDurationSample: -1,
        statementSampleRate: 1,
        statement: "none",
        transactionSampleRate: 0
    )

    /// The settings under which leadcrm's statements get logged, as `name = value`.
    var logging: [String] {
        var found: [String] = []
        if self.minDuration >= 0 { found.append("log_min_duration_statement = \(self.minDuration) ms") }
        if self.minDurationSample >= 0 && self.statementSampleRate > 0 {
            found.append("log_min_duration_sample = \(self.minDurationSample) ms")
        }
        if self.statement == "mod" || self.statement == "all" { found.append("log_statement = \(self.statement)") }
        if self.transactionSampleRate > 0 { found.append("log_transaction_sample_rate = \(self.transactionSampleRate)") }
        return found
    }

    /// Whether a logged statement of leadcrm's would carry its leads into the server's log.
    var logsLeads: Bool { self.parameterMaxLength != 0 && !self.logging.isEmpty }

    /// The fix, for the role leadcrm connects as.
    static func fix(role: String) -> String {
        "ALTER ROLE \(PostgresSettings.quoteIdentifier(role)) SET log_parameter_max_length = 0"
    }
}

extension StatementLogging {
    /// The settings read from `pg_settings`.
    static let names = [
        "log_parameter_max_length", "log_min_duration_statement", "log_min_duration_sample", "log_statement_sample_rate",
        "log_statement", "log_transaction_sample_rate",
    ]

    /// Reads the settings from `pg_settings` (base units: milliseconds), leaving PostgreSQL's default for any the
    /// server does not have.
    init(settings: [String: String]) {
        var logging = Self.defaults
        if let value = settings["log_parameter_max_length"].flatMap(Int.init) { logging.parameterMaxLength = value }
        if let value = settings["log_min_duration_statement"].flatMap(Int.init) { logging.minDuration = value }
        if let value = settings["log_min_duration_sample"].flatMap(Int.init) { logging.minDurationSample = value }
        if let value = settings["log_statement_sample_rate"].flatMap(Double.init) { logging.statementSampleRate = value }
        if let value = settings["log_statement"] { logging.statement = value }
        if let value = settings["log_transaction_sample_rate"].flatMap(Double.init) { logging.transactionSampleRate = value }
        self = logging
    }
}

extension PostgresLeadStore {
    /// The statement logging of this store's sessions (the role's and database's settings included).
    func statementLogging() async throws -> StatementLogging {
        try await self.perform { client in
            let rows = try await client.query(
                "SELECT name::text, setting::text FROM pg_settings WHERE name = ANY(\(StatementLogging.names))",
                logger: self.logger
            )
            var settings: [String: String] = [:]
            for try await (name, setting) in rows.decode((String, String).self) {
                settings[name] = setting
            }
            return StatementLogging(settings: settings)
        }
    }

    /// Warns when PostgreSQL would write leadcrm's parameters, its leads, into its log. Advisory: a failure to read
    /// the settings is only logged at debug level.
    func warnIfStatementsLogLeads() async {
        do {
            let logging = try await self.statementLogging()
            guard logging.logsLeads else { return }
            self.logger.warning(
                "PostgreSQL logs statements with their parameters: a logged intake batch copies its leads (personal data, raw bodies) into the server's log, out of reach of erasure; a superuser can turn that off for leadcrm's role",
                metadata: [
                    "postgres.logging": "\(logging.logging.joined(separator: ", "))",
                    "postgres.log_parameter_max_length": "\(logging.parameterMaxLength)",
                    "fix": "\(StatementLogging.fix(role: self.settings.username))",
                ]
            )
        } catch {
            self.logger.debug("could not read PostgreSQL's logging settings", metadata: ["error": "\(operatorDescription(of: error))"])
        }
    }
}
