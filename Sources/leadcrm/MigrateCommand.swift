import ArgumentParser
import LeadServer
import LeadStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the database tables, then exit.",
        discussion: """
            Upgrades a database made by the old Node service in place, keeping every row. Safe to run again and \
            from several hosts at once.
            """
    )

    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        let configuration = try self.settings.load()
        let logger = bootstrapLogging(configuration)
        do {
            let bootstrap = try await StoreBootstrap.open(configuration, logger: logger)
            try await bootstrap.withServices { store in
                // Fail fast with a clear message when the database cannot be reached at all.
                try await store.checkHealth()
                try await store.migrate()
            }
            logger.info("database is up to date")
        } catch {
            SettingsOptions.fail("migration failed: \(operatorDescription(of: error))")
            throw ExitCode(1)
        }
    }
}
