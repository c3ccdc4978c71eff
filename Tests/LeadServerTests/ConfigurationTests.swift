import LeadServer
import LeadStorage
import Logging
import Testing

/// Settings as SPEC §4 lists them, with the old service's spellings (`warn`, `1mb`, Prisma URLs) still working.
@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults: port 3000 on 0.0.0.0, 1 MiB bodies, SQLite in ./data, info level, text logs")
    func defaults() throws {
        let configuration = try AppConfiguration(values: [:])
        #expect(configuration.port == 3000)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.maxBodyBytes == 1_048_576)
        #expect(configuration.database == .sqlite(path: "./data/leadcrm.sqlite"))
        #expect(configuration.logLevel == .info)
        #expect(!configuration.jsonLogs)
        #expect(configuration.corsOrigins == .all)
    }

    @Test("PORT and HOST")
    func portAndHost() throws {
        let configuration = try AppConfiguration(values: ["PORT": "8080", "HOST": "127.0.0.1"])
        #expect(configuration.port == 8080)
        #expect(configuration.host == "127.0.0.1")
    }

    @Test(
        "LOG_LEVEL takes swift-log's names and the old service's",
        arguments: [("warn", .warning), ("fatal", .critical), ("trace", .trace), ("ERROR", .error), ("notice", .notice)] as [(String, Logger.Level)]
    )
    func logLevel(text: String, level: Logger.Level) throws {
        #expect(try AppConfiguration(values: ["LOG_LEVEL": text]).logLevel == level)
    }

    @Test("MAX_BODY_BYTES takes bytes or a kb/mb size", arguments: [("1mb", 1_048_576), ("512kb", 524_288), ("2048", 2048)])
    func maxBodyBytes(text: String, bytes: Int) throws {
        #expect(try AppConfiguration(values: ["MAX_BODY_BYTES": text]).maxBodyBytes == bytes)
    }

    @Test(
        "production in APP_ENV or NODE_ENV means JSON logs",
        arguments: [(["APP_ENV": "production"], true), (["NODE_ENV": "production"], true), (["APP_ENV": "development"], false)]
    )
    func jsonLogs(values: [String: String], json: Bool) throws {
        #expect(try AppConfiguration(values: values).jsonLogs == json)
    }

    @Test(
        "CORS_ORIGINS: *, none, or a list",
        arguments: [
            ("*", .all), ("none", .none), ("https://a.example, https://b.example", .list(["https://a.example", "https://b.example"])),
        ] as [(String, AppConfiguration.CORSOrigins)]
    )
    func corsOrigins(text: String, origins: AppConfiguration.CORSOrigins) throws {
        #expect(try AppConfiguration(values: ["CORS_ORIGINS": text]).corsOrigins == origins)
    }

    @Test("DATABASE_URL with postgres:// or postgresql:// picks PostgreSQL", arguments: ["postgres", "postgresql"])
    func postgresURL(scheme: String) throws {
        let configuration = try AppConfiguration(values: ["DATABASE_URL": "\(scheme)://lead:s3cret@db.example:6543/crm?connection_limit=4"])
        let settings = try #require(Self.postgresSettings(configuration.database))
        #expect(settings.host == "db.example")
        #expect(settings.port == 6543)
        #expect(settings.username == "lead")
        #expect(settings.password == "s3cret")
        #expect(settings.database == "crm")
        #expect(settings.poolSize == 4)
    }

    @Test("DATABASE_URL sqlite:PATH picks that SQLite file")
    func sqliteURL() throws {
        let configuration = try AppConfiguration(values: ["DATABASE_URL": "sqlite:/var/lib/leadcrm/leads.sqlite"])
        #expect(configuration.database == .sqlite(path: "/var/lib/leadcrm/leads.sqlite"))
    }

    @Test(
        "a bad value is a one-line error naming its setting",
        arguments: [
            ("PORT", "abc"), ("PORT", "70000"), ("LOG_LEVEL", "loud"), ("MAX_BODY_BYTES", "-1"), ("DATABASE_URL", "mysql://x"),
            ("DATABASE_URL", "postgres://u@localhost:5432/db?connection_limit=zero"), ("TRUSTED_PROXIES", "loopback, proxy"),
        ]
    )
    func badValue(setting: String, value: String) {
        let error = #expect(throws: ConfigurationError.self) { try AppConfiguration(values: [setting: value]) }
        #expect(error?.setting == setting)
        let line = error.map { "\($0)" } ?? ""
        #expect(line.contains(setting) && !line.contains("\n"), "error line: \(line)")
    }

    static func postgresSettings(_ database: AppConfiguration.Database) -> PostgresSettings? {
        guard case .postgres(let settings) = database else { return nil }
        return settings
    }
}
