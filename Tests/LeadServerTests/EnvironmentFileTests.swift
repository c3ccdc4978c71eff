import Foundation
import LeadServer
import Testing

/// The `.env` file the old service's operators already have, and its place among the sources of settings.
@Suite("Environment file")
struct EnvironmentFileTests {
    static let oldDatabaseURL = "postgresql://u:p@localhost:5432/leadcrm?schema=public&connection_limit=10"

    @Test("parse handles comments, blank lines, export, quotes and trailing comments")
    func parse() {
        let text = """
            # leadCRM settings
            export PORT=4000

              HOST = 127.0.0.1
            LOG_LEVEL=warn # pino's name
            APP_ENV='production'
            CORS_ORIGINS="https://a.example,https://b.example"
            DATABASE_URL="\(Self.oldDatabaseURL)"
            not a setting
            """
        #expect(
            EnvironmentFile.parse(text) == [
                "PORT": "4000", "HOST": "127.0.0.1", "LOG_LEVEL": "warn", "APP_ENV": "production",
                "CORS_ORIGINS": "https://a.example,https://b.example", "DATABASE_URL": Self.oldDatabaseURL,
            ]
        )
    }

    @Test("the old service's DATABASE_URL line works unchanged")
    func oldDatabaseURL() throws {
        let values = EnvironmentFile.parse("DATABASE_URL=\"\(Self.oldDatabaseURL)\"\n")
        let configuration = try AppConfiguration(values: values)
        let settings = try #require(ConfigurationTests.postgresSettings(configuration.database))
        #expect(settings.host == "localhost")
        #expect(settings.port == 5432)
        #expect(settings.username == "u")
        #expect(settings.password == "p")
        #expect(settings.database == "leadcrm")
        #expect(settings.schema == "public")
        #expect(settings.poolSize == 10)
    }

    @Test("flags win over the environment, which wins over the .env file")
    func precedence() throws {
        try Self.withFile("PORT=1111\nLOG_LEVEL=debug\nHOST=10.0.0.1\n") { path in
            let configuration = try AppConfiguration.load(
                flags: ["PORT": "3333"],
                environment: ["PORT": "2222", "LOG_LEVEL": "error"],
                environmentFile: path
            )
            #expect(configuration.port == 3333)
            #expect(configuration.logLevel == .error)
            #expect(configuration.host == "10.0.0.1")
        }
    }

    @Test("a bad value in the .env file names its setting")
    func badValueInFile() throws {
        try Self.withFile("PORT=abc\n") { path in
            let error = #expect(throws: ConfigurationError.self) {
                try AppConfiguration.load(flags: [:], environment: [:], environmentFile: path)
            }
            #expect(error?.setting == "PORT")
        }
    }

    @Test("a missing .env file means defaults")
    func missingFile() throws {
        let configuration = try AppConfiguration.load(flags: [:], environment: [:], environmentFile: "/nonexistent-\(UUID().uuidString)/.env")
        #expect(configuration.port == 3000)
    }

    static func withFile(_ contents: String, _ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leadcrm-\(UUID().uuidString).env").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }
}
