import Foundation
import Hummingbird
import HummingbirdTesting
import LeadCore
import LeadStorage
import LeadTestSupport
import Testing

/// `leadcrm user …` and `leadcrm token …`, run as the real binary the way an operator runs them: what they print on
/// standard output and standard error, their exit statuses, and that a revoked token stops working.
@Suite("leadcrm user and token commands", .enabled(if: LeadCRMProcess.binary != nil, "build the leadcrm binary first (or set LEADCRM_BINARY)"))
struct UserCommandTests {
    static var tokenPattern: Regex<Substring> { #/lcrm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/# }

    @Test("user create, user list, token create, token list and token revoke", arguments: Backend.available)
    func lifecycle(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let url = backend == .sqlite ? "sqlite:\(db.location)" : db.location

            let created = try await Self.leadcrm(["user", "create", "--name", "x", "--role", "admin"], databaseURL: url)
            #expect(created.status == 0, "stderr:\n\(created.standardError)")
            #expect(created.outputLines.count == 1, "stdout:\n\(created.standardOutput)")
            let firstToken = try #require(created.outputLines.first)
            #expect(firstToken.wholeMatch(of: Self.tokenPattern) != nil, "token \(firstToken)")

            let again = try await Self.leadcrm(["user", "create", "--name", "x", "--role", "read"], databaseURL: url)
            #expect(again.status == 1)
            #expect(again.standardOutput.isEmpty, "stdout:\n\(again.standardOutput)")
            #expect(again.errorLines.count == 1, "stderr:\n\(again.standardError)")
            #expect(again.standardError.contains("x"), "stderr:\n\(again.standardError)")

            let badRole = try await Self.leadcrm(["user", "create", "--name", "y", "--role", "nope"], databaseURL: url)
            #expect(badRole.status != nil && badRole.status != 0)
            #expect(badRole.standardError.contains("--role"), "stderr:\n\(badRole.standardError)")
            #expect(badRole.standardOutput.isEmpty, "stdout:\n\(badRole.standardOutput)")

            let reader = try await Self.leadcrm(["user", "create", "--name", "rita", "--role", "read"], databaseURL: url)
            #expect(reader.status == 0, "stderr:\n\(reader.standardError)")

            let list = try await Self.leadcrm(["user", "list"], databaseURL: url)
            #expect(list.status == 0, "stderr:\n\(list.standardError)")
            let users = list.outputLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let x = try #require(users.first { $0.count > 2 && $0[1] == "x" }, "stdout:\n\(list.standardOutput)")
            #expect(x[2] == "admin")
            #expect(x.count == 5 && x[4] == "1", "one active token: \(x)")
            #expect(users.contains { $0.count > 2 && $0[1] == "rita" && $0[2] == "read" })
            #expect(!users.contains { $0.count > 1 && $0[1] == "y" })

            let issued = try await Self.leadcrm(["token", "create", "--user", "x"], databaseURL: url)
            #expect(issued.status == 0, "stderr:\n\(issued.standardError)")
            #expect(issued.outputLines.count == 1, "stdout:\n\(issued.standardOutput)")
            let secondToken = try #require(issued.outputLines.first)
            #expect(secondToken.wholeMatch(of: Self.tokenPattern) != nil, "token \(secondToken)")
            #expect(secondToken != firstToken)

            let nobody = try await Self.leadcrm(["token", "create", "--user", "nobody"], databaseURL: url)
            #expect(nobody.status == 1)
            #expect(nobody.standardOutput.isEmpty)
            #expect(nobody.errorLines.count == 1, "stderr:\n\(nobody.standardError)")

            // Both tokens work against the API on this database.
            let crm = try #require(SQLCRMStore(behind: db.store))
            #expect(try await Self.status(of: firstToken, store: db.store) == .ok)
            #expect(try await Self.status(of: secondToken, store: db.store) == .ok)

            let firstID = String(firstToken.dropFirst("lcrm_".count).prefix(16))
            let secondID = String(secondToken.dropFirst("lcrm_".count).prefix(16))
            let revoked = try await Self.leadcrm(["token", "revoke", firstID], databaseURL: url)
            #expect(revoked.status == 0, "stderr:\n\(revoked.standardError)")
            #expect(try await Self.status(of: firstToken, store: db.store) == .unauthorized)
            #expect(try await Self.status(of: secondToken, store: db.store) == .ok)
            #expect(try await crm.token(id: firstID)?.revokedAt != nil)

            let tokens = try await Self.leadcrm(["token", "list", "--user", "x"], databaseURL: url)
            #expect(tokens.status == 0, "stderr:\n\(tokens.standardError)")
            let rows = tokens.outputLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let firstRow = try #require(rows.first { $0.first == firstID }, "stdout:\n\(tokens.standardOutput)")
            let secondRow = try #require(rows.first { $0.first == secondID }, "stdout:\n\(tokens.standardOutput)")
            #expect(firstRow.count == 4 && firstRow[1] == "x" && Timestamp.parse(firstRow[3]) != nil, "\(firstRow)")
            #expect(secondRow.count == 4 && secondRow[1] == "x" && secondRow[3] == "-", "\(secondRow)")
            // No secret is ever listed.
            #expect(!tokens.standardOutput.contains(firstToken) && !tokens.standardOutput.contains(secondToken))
            #expect(!tokens.standardOutput.contains(String(firstToken.suffix(43))))

            // Revoking by the whole token works too.
            let byToken = try await Self.leadcrm(["token", "revoke", secondToken], databaseURL: url)
            #expect(byToken.status == 0, "stderr:\n\(byToken.standardError)")
            #expect(!byToken.standardOutput.contains(secondToken) && !byToken.standardError.contains(secondToken))
            #expect(try await Self.status(of: secondToken, store: db.store) == .unauthorized)

            let unknown = try await Self.leadcrm(["token", "revoke", "0000000000000000"], databaseURL: url)
            #expect(unknown.status == 1)
            #expect(unknown.errorLines.count == 1, "stderr:\n\(unknown.standardError)")

            let afterwards = try await Self.leadcrm(["user", "list"], databaseURL: url)
            let xAfter = afterwards.outputLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
                .first { $0.count > 1 && $0[1] == "x" }
            #expect(xAfter?.last == "0", "no active tokens left: \(afterwards.standardOutput)")
        }
    }

    /// The status `GET /api/leads` answers with `token`, from the application on `store`.
    static func status(of token: String, store: any LeadStore) async throws -> HTTPResponse.Status {
        try await TestApplication.run(store: store) { client in
            try await client.execute(uri: "/api/leads", method: .get, headers: [.authorization: "Bearer \(token)"]).status
        }
    }

    struct Run: Sendable {
        var status: Int32?
        var standardOutput: String
        var standardError: String

        var outputLines: [String] { Self.lines(self.standardOutput) }
        var errorLines: [String] { Self.lines(self.standardError) }

        static func lines(_ text: String) -> [String] {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
    }

    /// Runs `leadcrm <arguments>` to its end with only `DATABASE_URL` set and no `.env` file, capturing both outputs.
    static func leadcrm(_ arguments: [String], databaseURL: String, timeout: Duration = .seconds(60)) async throws -> Run {
        guard let binary = LeadCRMProcess.binary else { throw ProcessTestError.binaryMissing }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leadcrm-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let error = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? error.close()
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments + LeadCRMProcess.withoutEnvironmentFile
        process.environment = ["DATABASE_URL": databaseURL]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Run(
            status: process.terminationReason == .exit ? process.terminationStatus : nil,
            standardOutput: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }
}
