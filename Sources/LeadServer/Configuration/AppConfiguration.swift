import Foundation
import LeadStorage
import Logging

/// Every setting of `leadcrm serve`, read from command-line flags, then the environment, then a `.env` file, then
/// defaults — in that order of precedence. Each is checked here, so a bad value stops the start with one line
/// naming it instead of a crash later.
public struct AppConfiguration: Sendable {
    public enum Database: Sendable, Equatable {
        case postgres(PostgresSettings)
        case sqlite(path: String)
    }

    public enum CORSOrigins: Sendable, Equatable {
        case all
        case none
        case list([String])
    }

    public var database: Database
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var jsonLogs: Bool
    public var maxBodyBytes: Int
    public var corsOrigins: CORSOrigins
    /// How long a request waits for the database before it is answered as unavailable.
    public var databaseTimeout: Duration
    public var migrateOnStart: Bool
    /// How long a sender may take to send a whole body before it is answered 408 (what arrived is still recorded).
    public var bodyTimeout: Duration
    /// How long an idle keep-alive connection stays open.
    public var idleTimeout: Duration
    /// The local spool in front of PostgreSQL; `nil` turns it off (then an outage is answered 503).
    public var spool: Spool.Configuration?
    /// Proxies whose `X-Forwarded-For` names the client address.
    public var trustedProxies: TrustedProxies
    /// The statuses a lead may be given (`LEAD_STATUSES`); `new`, what intake writes, is always one of them.
    public var leadStatuses: [String] = AppConfiguration.defaultLeadStatuses
    /// `INTAKE_AUTH=required`: `POST /api/lead` needs a token of any role.
    public var intakeRequiresToken = false

    public static let defaultLeadStatuses = ["new", "in_work", "converted", "rejected"]

    public static let defaultSQLitePath = "./data/leadcrm.sqlite"
    public static let defaultSpoolDirectory = "./data/spool"

    public init(
        database: Database = .sqlite(path: AppConfiguration.defaultSQLitePath),
        host: String = "0.0.0.0",
        port: Int = 3000,
        logLevel: Logger.Level = .info,
        jsonLogs: Bool = false,
        maxBodyBytes: Int = 1 << 20,
        corsOrigins: CORSOrigins = .all,
        databaseTimeout: Duration = .seconds(2),
        migrateOnStart: Bool = true,
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(75),
        trustedProxies: TrustedProxies = .none,
        spool: Spool.Configuration? = Spool.Configuration(directory: AppConfiguration.defaultSpoolDirectory)
    ) {
        self.database = database
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.jsonLogs = jsonLogs
        self.maxBodyBytes = maxBodyBytes
        self.corsOrigins = corsOrigins
        self.databaseTimeout = databaseTimeout
        self.migrateOnStart = migrateOnStart
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.trustedProxies = trustedProxies
        self.spool = spool
    }

    /// Reads the settings. `values` maps setting names (`PORT`, …) to text, already merged by precedence.
    public init(values: [String: String]) throws(ConfigurationError) {
        self.init()
        let reader = SettingReader(values: values)
        self.database = try reader.database()
        self.host = reader.text("HOST") ?? self.host
        self.port = try reader.integer("PORT", in: 1...65535) ?? self.port
        self.logLevel = try reader.logLevel() ?? self.logLevel
        let environment = reader.text("APP_ENV") ?? reader.text("NODE_ENV")
        self.jsonLogs = environment?.lowercased() == "production"
        self.maxBodyBytes = try reader.byteCount("MAX_BODY_BYTES") ?? self.maxBodyBytes
        self.corsOrigins = reader.corsOrigins() ?? self.corsOrigins
        if let milliseconds = try reader.integer("DATABASE_TIMEOUT_MS", in: 1...600_000) {
            self.databaseTimeout = .milliseconds(milliseconds)
        }
        self.migrateOnStart = try reader.flag("MIGRATE_ON_START") ?? self.migrateOnStart
        if let milliseconds = try reader.integer("BODY_TIMEOUT_MS", in: 1...3_600_000) {
            self.bodyTimeout = .milliseconds(milliseconds)
        }
        if let seconds = try reader.integer("IDLE_TIMEOUT_S", in: 1...86_400) {
            self.idleTimeout = .seconds(seconds)
        }
        self.trustedProxies = try reader.trustedProxies() ?? self.trustedProxies
        self.spool = try reader.spool()
        self.leadStatuses = try reader.leadStatuses() ?? self.leadStatuses
        self.intakeRequiresToken = try reader.intakeAuth() ?? self.intakeRequiresToken
    }

    /// Merges the sources by precedence: flags over the process environment over the `.env` file.
    public static func load(
        flags: [String: String],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        environmentFile: String? = ".env"
    ) throws -> AppConfiguration {
        var values = try environmentFile.map(EnvironmentFile.load(path:)) ?? [:]
        values.merge(environment) { _, new in new }
        values.merge(flags) { _, new in new }
        return try AppConfiguration(values: values)
    }
}

/// Reads and checks one kind of setting each; every failure names the setting.
struct SettingReader {
    let values: [String: String]

    func text(_ name: String) -> String? {
        guard let value = self.values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = self.text(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(setting: name, message: "\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A size in bytes, with an optional `kb`/`mb`/`gb` suffix (`1mb` is what the old service's Fastify took).
    func byteCount(_ name: String, upTo maximum: Int = 1 << 30) throws(ConfigurationError) -> Int? {
        guard let text = self.text(name)?.lowercased() else { return nil }
        let units: [(suffix: String, factor: Int)] = [
            ("kib", 1024), ("mib", 1 << 20), ("gib", 1 << 30), ("kb", 1024), ("mb", 1 << 20), ("gb", 1 << 30),
            ("k", 1024), ("m", 1 << 20), ("g", 1 << 30), ("b", 1),
        ]
        var number = text
        var factor = 1
        if let unit = units.first(where: { text.hasSuffix($0.suffix) }) {
            number = String(text.dropLast(unit.suffix.count)).trimmingCharacters(in: .whitespaces)
            factor = unit.factor
        }
        guard let value = Int(number), value > 0, value <= maximum / factor else {
            let limit = maximum >= 1 << 40 ? "\(maximum >> 40) TiB" : "\(maximum >> 30) GiB"
            throw ConfigurationError(setting: name, message: "\"\(text)\" is not a size from 1 byte to \(limit) (e.g. 1048576, 512kb, 1mb)")
        }
        return value * factor
    }

    func flag(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = self.text(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(setting: name, message: "\"\(text)\" is not true or false")
        }
    }

    /// Accepts swift-log's level names and the old service's (pino) names `warn` and `fatal`.
    func logLevel() throws(ConfigurationError) -> Logger.Level? {
        guard let text = self.text("LOG_LEVEL")?.lowercased() else { return nil }
        switch text {
        case "warn": return .warning
        case "fatal": return .critical
        default:
            guard let level = Logger.Level(rawValue: text) else {
                throw ConfigurationError(
                    setting: "LOG_LEVEL",
                    message: "\"\(text)\" is not one of trace, debug, info, notice, warn, warning, error, fatal, critical"
                )
            }
            return level
        }
    }

    /// `LEAD_STATUSES`: comma-separated, each a short word (letters, digits, `_`, `-`), `new` among them.
    func leadStatuses() throws(ConfigurationError) -> [String]? {
        guard let text = self.text("LEAD_STATUSES") else { return nil }
        let statuses = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let wellFormed = statuses.allSatisfy { status in
            !status.isEmpty && status.count <= 64
                && status.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        }
        guard wellFormed, statuses.contains("new"), Set(statuses).count == statuses.count else {
            throw ConfigurationError(
                setting: "LEAD_STATUSES",
                message: "\"\(text)\" is not a comma-separated list of distinct statuses (letters, digits, _ and -) that includes new"
            )
        }
        return statuses
    }

    /// `INTAKE_AUTH`: `open` (the default) or `required`.
    func intakeAuth() throws(ConfigurationError) -> Bool? {
        guard let text = self.text("INTAKE_AUTH")?.lowercased() else { return nil }
        switch text {
        case "open": return false
        case "required": return true
        default: throw ConfigurationError(setting: "INTAKE_AUTH", message: "\"\(text)\" is not open or required")
        }
    }

    /// `SPOOL_DIR` (`off` disables the spool) and `SPOOL_MAX_BYTES`.
    func spool() throws(ConfigurationError) -> Spool.Configuration? {
        let directory = self.text("SPOOL_DIR") ?? AppConfiguration.defaultSpoolDirectory
        guard directory.lowercased() != "off" else { return nil }
        var configuration = Spool.Configuration(directory: directory)
        if let maxBytes = try self.byteCount("SPOOL_MAX_BYTES", upTo: 1 << 50) {
            configuration.maxBytes = maxBytes
        }
        return configuration
    }

    func trustedProxies() throws(ConfigurationError) -> TrustedProxies? {
        guard let text = self.text("TRUSTED_PROXIES") else { return nil }
        guard let proxies = TrustedProxies(list: text) else {
            throw ConfigurationError(
                setting: "TRUSTED_PROXIES",
                message: "\"\(text)\" is not a comma-separated list of addresses, CIDR ranges, loopback or private"
            )
        }
        return proxies
    }

    func corsOrigins() -> AppConfiguration.CORSOrigins? {
        guard let text = self.text("CORS_ORIGINS") else { return nil }
        if text == "*" { return .all }
        if text.lowercased() == "none" { return AppConfiguration.CORSOrigins.none }
        return .list(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// `DATABASE_URL`: unset means the embedded SQLite file; `sqlite:PATH` or `file:PATH` picks another file.
    func database() throws(ConfigurationError) -> AppConfiguration.Database {
        guard let url = self.text("DATABASE_URL") else { return .sqlite(path: AppConfiguration.defaultSQLitePath) }
        for prefix in ["sqlite://", "sqlite:", "file://", "file:"] where url.lowercased().hasPrefix(prefix) {
            let path = String(url.dropFirst(prefix.count))
            guard !path.isEmpty else { throw ConfigurationError(setting: "DATABASE_URL", message: "\"\(url)\" names no SQLite file") }
            return .sqlite(path: path)
        }
        do {
            return .postgres(try PostgresSettings(url: url))
        } catch {
            throw ConfigurationError(setting: "DATABASE_URL", message: error.description)
        }
    }
}
