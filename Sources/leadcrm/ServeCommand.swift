import ArgumentParser
import Hummingbird
import LeadServer
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (POST /api/lead, GET /health).",
        discussion: "Stops gracefully on SIGTERM or SIGINT: no new connections, in-flight requests finish, exit status 0."
    )

    @OptionGroup var settings: SettingsOptions

    @Option(help: "Address to listen on (HOST, default 0.0.0.0).")
    var host: String?

    @Option(help: "Port to listen on (PORT, default 3000).")
    var port: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest body kept whole; larger ones get 413 (MAX_BODY_BYTES, default 1mb).")
    var maxBodyBytes: String?

    @Option(name: .customLong("cors-origins"), help: "*, none, or comma-separated origins (CORS_ORIGINS, default *).")
    var corsOrigins: String?

    @Option(name: .customLong("database-timeout-ms"), help: "How long a request waits for the database (DATABASE_TIMEOUT_MS, default 2000).")
    var databaseTimeoutMilliseconds: String?

    @Option(
        name: .customLong("trusted-proxies"),
        help: "Proxies whose X-Forwarded-For is believed: addresses, CIDRs, loopback, private (TRUSTED_PROXIES)."
    )
    var trustedProxies: String?

    @Flag(name: .customLong("no-migrate"), help: "Do not migrate the database at start (MIGRATE_ON_START=false).")
    var noMigrate = false

    func run() async throws {
        var flags: [String: String] = [:]
        flags["HOST"] = self.host
        flags["PORT"] = self.port
        flags["MAX_BODY_BYTES"] = self.maxBodyBytes
        flags["CORS_ORIGINS"] = self.corsOrigins
        flags["DATABASE_TIMEOUT_MS"] = self.databaseTimeoutMilliseconds
        flags["TRUSTED_PROXIES"] = self.trustedProxies
        if self.noMigrate { flags["MIGRATE_ON_START"] = "false" }
        let configuration = try self.settings.load(with: flags)
        let logger = bootstrapLogging(configuration)
        do {
            let app = try await buildApplication(configuration, logger: logger)
            try await app.runService()
        } catch is StoppedBeforeStart {
            return
        } catch {
            logger.critical("leadcrm stopped", metadata: ["error": "\(error)"])
            SettingsOptions.fail("\(error)")
            throw ExitCode(1)
        }
    }
}

/// Installs leadcrm's log format once per process and returns the application's logger.
func bootstrapLogging(_ configuration: AppConfiguration) -> Logger {
    let format: LeadLogHandler.Format = configuration.jsonLogs ? .json : .text
    LoggingSystem.bootstrap { label in
        LeadLogHandler(label: label, level: configuration.logLevel, format: format)
    }
    return Logger(label: "leadcrm")
}
