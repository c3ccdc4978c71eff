import ArgumentParser
import Foundation
import LeadServer

/// Flags every subcommand that touches the database shares. Each maps onto the setting of the same name.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Database URL (DATABASE_URL). Unset: SQLite at ./data/leadcrm.sqlite.")
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warn, error or fatal (LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .customLong("env-file"), help: "File of KEY=value settings read if present.")
    var environmentFile: String = ".env"

    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["DATABASE_URL"] = self.databaseURL
        flags["LOG_LEVEL"] = self.logLevel
        return flags
    }

    /// Reads the configuration, or stops with one line naming the bad setting and exit status 2.
    func load(with extraFlags: [String: String] = [:]) throws -> AppConfiguration {
        do {
            return try AppConfiguration.load(flags: self.flags.merging(extraFlags) { _, new in new }, environmentFile: self.environmentFile)
        } catch let error as ConfigurationError {
            Self.fail("\(error)")
            throw ExitCode(2)
        }
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("leadcrm: \(message)\n".utf8))
    }
}
