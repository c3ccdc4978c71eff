import LeadStorage
import PostgresNIO
import Testing

/// A `DATABASE_URL` copied from the old service's Prisma `.env` must work unchanged.
@Suite struct PostgresSettingsTests {
    @Test func readsAPrismaURL() throws {
        let settings = try PostgresSettings(url: "postgresql://leads:s3cret@db.internal:6432/leadcrm?schema=public&connection_limit=10")
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6432)
        #expect(settings.username == "leads")
        #expect(settings.password == "s3cret")
        #expect(settings.database == "leadcrm")
        #expect(settings.schema == "public")
        #expect(settings.poolSize == 10)
        #expect(settings.socketDirectory == nil)
    }

    @Test func fillsInWhatTheURLLeavesOut() throws {
        let settings = try PostgresSettings(url: "postgres://db.internal")
        #expect(settings.port == 5432)
        #expect(settings.username == "postgres")
        #expect(settings.password == nil)
        #expect(settings.database == nil)
        #expect(settings.schema == nil)
        #expect(settings.sslMode == .prefer)
    }

    /// Passwords generated for managed databases often hold `@`, `:` or `/`, which the URL must percent-encode.
    @Test func decodesAPercentEncodedUserAndPassword() throws {
        let settings = try PostgresSettings(url: "postgres://app%40corp:p%40ss%3Aw%2Frd%25@localhost/my%20db")
        #expect(settings.username == "app@corp")
        #expect(settings.password == "p@ss:w/rd%")
        #expect(settings.database == "my db")
    }

    /// The pool: up to `connection_limit` connections, each closed after a minute idle; no keep-alive query, whose
    /// timer the pool would set up and tear down around every intake batch.
    @Test func poolsConnectionsWithoutKeepAlive() throws {
        let options = try PostgresSettings(url: "postgres://localhost/db?connection_limit=7").clientConfiguration.options
        #expect(options.maximumConnections == 7)
        #expect(options.minimumConnections == 0)
        #expect(options.connectionIdleTimeout == .seconds(60))
        #expect(options.keepAliveBehavior == nil)
    }

    @Test(arguments: ["3": 3, "10": 10, "250": 250])
    func takesThePoolSizeFromConnectionLimit(limit: String, poolSize: Int) throws {
        #expect(try PostgresSettings(url: "postgres://localhost/db?connection_limit=\(limit)").poolSize == poolSize)
    }

    @Test(arguments: PostgresSettings.SSLMode.allCases)
    func readsEverySSLMode(mode: PostgresSettings.SSLMode) throws {
        #expect(try PostgresSettings(url: "postgres://localhost/db?sslmode=\(mode.rawValue)").sslMode == mode)
        #expect(try PostgresSettings(url: "postgres://localhost/db?sslmode=\(mode.rawValue.uppercased())").sslMode == mode)
    }

    @Test(arguments: [
        "postgres://localhost/db?connection_limit=0",
        "postgres://localhost/db?connection_limit=-1",
        "postgres://localhost/db?connection_limit=ten",
        "postgres://localhost/db?sslmode=sometimes",
        "postgres://localhost/db?connect_timeout=0",
        "mysql://localhost/db",
        "http://localhost/db",
        "localhost:5432/db",
        "",
    ])
    func refusesAnInvalidURL(url: String) {
        #expect(throws: PostgresSettings.InvalidURL.self) { try PostgresSettings(url: url) }
    }

    /// libpq's way to name a Unix socket directory, which a server on the same machine is often reached through.
    @Test func readsASocketDirectory() throws {
        let settings = try PostgresSettings(url: "postgres://postgres@localhost:5433/leadcrm?host=/var/run/postgresql")
        #expect(settings.socketDirectory == "/var/run/postgresql")
        #expect(settings.port == 5433)
        #expect(try PostgresSettings(url: "postgres://localhost/leadcrm?host=db.internal").socketDirectory == nil)
    }

    /// Intake's own connection reaches the same server as the pool's, with the same login, TLS and session.
    @Test(arguments: [
        ("disable", false, false),
        ("allow", true, false),
        ("prefer", true, false),
        ("require", true, true),
        ("verify-ca", true, true),
        ("verify-full", true, true),
    ])
    func configuresIntakesConnectionLikeThePool(mode: String, allowsTLS: Bool, requiresTLS: Bool) throws {
        let settings = try PostgresSettings(url: "postgres://leads:pw@db.internal:6432/crm?schema=sales&sslmode=\(mode)&connect_timeout=7")
        let connection = try settings.connectionConfiguration()
        let pool = settings.clientConfiguration
        #expect(connection.host == "db.internal")
        #expect(connection.port == 6432)
        #expect(connection.username == "leads")
        #expect(connection.password == "pw")
        #expect(connection.database == "crm")
        #expect(connection.tls.isAllowed == allowsTLS)
        #expect(connection.tls.isEnforced == requiresTLS)
        #expect(connection.options.connectTimeout == .seconds(7))
        #expect(connection.options.additionalStartupParameters.map(\.0) == pool.options.additionalStartupParameters.map(\.0))
        #expect(connection.options.additionalStartupParameters.map(\.1) == pool.options.additionalStartupParameters.map(\.1))
        #expect(connection.options.additionalStartupParameters.contains { $0 == ("search_path", "\"sales\"") })
    }

    @Test func configuresIntakesConnectionThroughASocketDirectory() throws {
        let settings = try PostgresSettings(url: "postgres://postgres@localhost:5433/leadcrm?host=/var/run/postgresql")
        let connection = try settings.connectionConfiguration()
        #expect(connection.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5433")
        #expect(connection.host == nil)
    }
}
