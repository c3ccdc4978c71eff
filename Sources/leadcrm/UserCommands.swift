import ArgumentParser
import Foundation
import LeadCore
import LeadServer
import LeadStorage

/// Runs `body` against the configured database's CRM (migrated first), turning failures into one line on stderr.
func withCRM<T: Sendable>(_ settings: SettingsOptions, _ action: String, _ body: @escaping @Sendable (any CRMStore) async throws -> T) async throws
    -> T
{
    let configuration = try settings.load()
    let logger = bootstrapLogging(configuration)
    do {
        let bootstrap = try await StoreBootstrap.open(configuration, logger: logger)
        let crm = bootstrap.crm
        return try await bootstrap.withServices { store in
            try await store.checkHealth()
            try await store.migrate()
            return try await body(crm)
        }
    } catch let error as CommandFailure {
        SettingsOptions.fail("\(action) failed: \(error.message)")
        throw ExitCode(error.exitCode)
    } catch {
        SettingsOptions.fail("\(action) failed: \(operatorDescription(of: error))")
        throw ExitCode(1)
    }
}

/// The user named `name`, or a refusal naming them.
func existingUser(named name: String, in crm: any CRMStore) async throws -> User {
    guard let user = try await crm.user(named: name) else { throw CommandFailure(message: "no user named \"\(name)\"") }
    return user
}

/// A command's own refusal (an unknown user, a taken name), reported as one line.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create and list the users of the CRM API.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user and print a new API token for them (only the token, on standard output).",
            discussion: "Roles: read (list and view leads), manage (also change and export them), admin (also erase leads and manage users)."
        )

        @OptionGroup var settings: SettingsOptions

        @Option(help: "The user's name (unique).")
        var name: String

        @Option(help: "read, manage or admin.")
        var role: String

        func validate() throws {
            guard Role(rawValue: self.role) != nil else { throw ValidationError("--role must be read, manage or admin, not \"\(self.role)\"") }
            guard UserName.isValid(self.name) else { throw ValidationError("--name must be 1 to 100 characters without control characters") }
        }

        func run() async throws {
            let (name, role) = (self.name, Role(rawValue: self.role)!)
            let token = try await withCRM(self.settings, "user create") { crm in
                do {
                    let user = try await crm.createUser(name: name, role: role)
                    return try await APIToken.issue(for: user, in: crm).token
                } catch CRMError.nameTaken {
                    throw CommandFailure(message: "a user named \"\(name)\" already exists")
                }
            }
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users: id, name, role, created, active tokens.")

        @OptionGroup var settings: SettingsOptions

        func run() async throws {
            let lines = try await withCRM(self.settings, "user list") { crm in
                var lines = ["id\tname\trole\tcreated_at\tactive_tokens"]
                let tokens = try await crm.tokens(userID: nil)
                for user in try await crm.users() {
                    let active = tokens.filter { $0.user.id == user.id && $0.revokedAt == nil }.count
                    lines.append("\(user.id)\t\(user.name)\t\(user.role.rawValue)\t\(Timestamp.format(user.createdAt))\t\(active)")
                }
                return lines
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new API token for a user (only the token, on standard output).")

        @OptionGroup var settings: SettingsOptions

        @Option(help: "The user's name.")
        var user: String

        func run() async throws {
            let name = self.user
            let token = try await withCRM(self.settings, "token create") { crm in
                try await APIToken.issue(for: try await existingUser(named: name, in: crm), in: crm).token
            }
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets): id, user, created, revoked.")

        @OptionGroup var settings: SettingsOptions

        @Option(help: "Only this user's tokens.")
        var user: String?

        func run() async throws {
            let name = self.user
            let lines = try await withCRM(self.settings, "token list") { crm in
                var userID: Int?
                if let name { userID = try await existingUser(named: name, in: crm).id }
                var lines = ["token_id\tuser\tcreated_at\trevoked_at"]
                for token in try await crm.tokens(userID: userID) {
                    let revoked = token.revokedAt.map(Timestamp.format) ?? "-"
                    lines.append("\(token.id)\t\(token.user.name)\t\(Timestamp.format(token.createdAt))\t\(revoked)")
                }
                return lines
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token, named by its id (see token list) or by the whole token.")

        @OptionGroup var settings: SettingsOptions

        @Argument(help: "The token id, or the token itself.")
        var token: String

        func run() async throws {
            let id = APIToken.id(of: self.token)
            try await withCRM(self.settings, "token revoke") { crm in
                guard try await crm.revokeToken(id: id) else { throw CommandFailure(message: "no token with id \(id)") }
            }
            print("revoked \(id)")
        }
    }
}
