import ArgumentParser
import Foundation
import LeadCore
import LeadServer
import LeadStorage

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-normalize raw requests into leads (failed and queued ones by default).",
        discussion: """
            Every request is kept in leads_raw. replay turns the ones that are not leads yet (outcome failed or \
            queued) into leads, exactly as live intake would have, deduplicating by Idempotency-Key. With --all it \
            also rewrites existing leads' fields from their requests (after a change to normalization). Running it \
            twice changes nothing the second time. Progress goes to standard error, the summary to standard output.
            """
    )

    @OptionGroup var settings: SettingsOptions

    @Flag(name: .customLong("failed"), help: "Replay failed and queued requests (the default).")
    var failedOnly = false

    @Flag(name: .customLong("all"), help: "Replay every request, re-normalizing existing leads too.")
    var all = false

    @Option(help: "Only requests received at or after this time (ISO-8601, e.g. 2026-11-25 or 2026-11-25T10:00:00Z).")
    var since: String?

    @Option(help: "Only requests received before this time (ISO-8601).")
    var until: String?

    @Flag(name: .customLong("dry-run"), help: "Report what would change; write nothing.")
    var dryRun = false

    func run() async throws {
        if self.all && self.failedOnly {
            SettingsOptions.fail("--all and --failed cannot be used together")
            throw ExitCode(2)
        }
        let selection = ReplaySelection(
            scope: self.all ? .all : .pending,
            since: try Self.time(self.since, option: "--since"),
            until: try Self.time(self.until, option: "--until")
        )
        let configuration = try self.settings.load()
        let logger = bootstrapLogging(configuration)
        let dryRun = self.dryRun
        do {
            let bootstrap = try await StoreBootstrap.open(configuration, logger: logger)
            let summary = try await bootstrap.withServices { store in
                try await store.migrate()
                return try await Replayer(store: store).run(selection, dryRun: dryRun) { done, total in
                    FileHandle.standardError.write(Data("replay: \(done)/\(total)\n".utf8))
                }
            }
            print(Self.report(summary, dryRun: dryRun))
        } catch {
            SettingsOptions.fail("replay failed: \(operatorDescription(of: error))")
            throw ExitCode(1)
        }
    }

    static func time(_ text: String?, option: String) throws -> Date? {
        guard let text else { return nil }
        if let date = Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z") { return date }
        SettingsOptions.fail("invalid \(option): \"\(text)\" is not an ISO-8601 time such as 2026-11-25T10:00:00Z")
        throw ExitCode(2)
    }

    static func report(_ summary: Replayer.Summary, dryRun: Bool) -> String {
        let outcomes = IntakeOutcome.allCases.map { "\($0.rawValue) \(summary.outcomes[$0, default: 0])" }.joined(separator: ", ")
        let verb = dryRun ? "would change" : "changed"
        return "replay\(dryRun ? " (dry run)" : ""): \(summary.examined) requests examined, \(summary.changed) \(verb) "
            + "(\(summary.leadsUpdated) leads re-normalized); now \(outcomes)"
    }
}
