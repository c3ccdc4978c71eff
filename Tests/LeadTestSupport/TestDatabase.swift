import Foundation
import LeadCore
import Logging
import PostgresNIO
import SQLiteNIO

@testable import LeadStorage

/// The backends a store test runs against. PostgreSQL joins when `LEADCRM_TEST_DATABASE_URL` names a server
/// (`scripts/test` starts one); each test then gets a schema of its own, dropped afterwards.
public enum Backend: String, CaseIterable, Sendable {
    case sqlite
    case postgres

    public static var available: [Backend] {
        TestDatabase.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

/// A clean, migrated database for one test.
public struct TestDatabase: Sendable {
    public let backend: Backend
    public let store: any LeadStore
    /// For SQLite, the database file; for PostgreSQL, the URL including `?schema=` of this test's schema.
    public let location: String

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["LEADCRM_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static let logger: Logger = {
        var logger = Logger(label: "leadcrm.test")
        logger.logLevel = .warning
        return logger
    }()

    /// A `DATABASE_URL` for a fresh, empty PostgreSQL schema (not created yet: migration creates it).
    public static func freshPostgresURL() -> String? {
        guard let base = self.postgresURL else { return nil }
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// A path for a fresh SQLite file in a directory of its own.
    public static func freshSQLitePath() -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leadcrm-test-\(UUID().uuidString)")
        return directory.appendingPathComponent("leadcrm.sqlite").path
    }

    /// Runs `body` with a migrated store on a clean database of `backend`, then removes that database.
    public static func with<T: Sendable>(
        _ backend: Backend,
        migrate: Bool = true,
        _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite:
            let path = self.freshSQLitePath()
            let store = try await SQLiteLeadStore.open(path: path, logger: self.logger)
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
            do {
                if migrate { try await store.migrate() }
                let value = try await body(TestDatabase(backend: .sqlite, store: store, location: path))
                try await store.close()
                return value
            } catch {
                try? await store.close()
                throw error
            }
        case .postgres:
            guard let url = self.freshPostgresURL() else { throw TestDatabaseError.postgresNotConfigured }
            let settings = try PostgresSettings(url: url)
            // A generous deadline: tests race dozens of requests for a pool of ten on a busy two-core machine.
            let store = PostgresLeadStore(settings: settings, deadline: .seconds(15), logger: self.logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                do {
                    if migrate { try await store.migrate() }
                    let value = try await body(TestDatabase(backend: .postgres, store: store, location: url))
                    try await self.dropSchema(settings.schema, on: store)
                    return value
                } catch {
                    try? await self.dropSchema(settings.schema, on: store)
                    throw error
                }
            }
        }
    }

    static func dropSchema(_ schema: String?, on store: PostgresLeadStore) async throws {
        guard let schema else { return }
        try await store.client.query("DROP SCHEMA IF EXISTS \(unescaped: PostgresSettings.quoteIdentifier(schema)) CASCADE")
    }

    /// Runs SQL statements directly on this test's database, for set-up that no API offers (old schemas, triggers
    /// that force failures).
    public func execute(_ statements: [String]) async throws {
        switch self.store {
        case let store as PostgresLeadStore:
            for statement in statements {
                try await store.client.query(PostgresQuery(unsafeSQL: statement))
            }
        case let store as SQLiteLeadStore:
            for statement in statements {
                _ = try await store.rows(statement)
            }
        default:
            throw TestDatabaseError.unknownStore
        }
    }

    /// Makes later lead inserts fail inside the database — every one, or only those with `email` — to prove the raw
    /// row survives (savepoint rule) and that one bad lead does not fail the others in its batch.
    public func breakLeadInserts(forEmail email: String? = nil) async throws {
        let quoted = email.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
        switch self.backend {
        case .postgres:
            let condition = quoted.map { "IF NEW.email = \($0) THEN " } ?? ""
            let end = quoted == nil ? "" : " END IF;"
            try await self.execute([
                """
                CREATE FUNCTION leadcrm_test_refuse_lead() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN \(condition)RAISE EXCEPTION 'lead inserts are broken for this test';\(end) RETURN NEW; END $$
                """,
                "CREATE TRIGGER leadcrm_test_refuse_lead BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION leadcrm_test_refuse_lead()",
            ])
        case .sqlite:
            let condition = quoted.map { " WHEN NEW.email = \($0)" } ?? ""
            try await self.execute([
                """
                CREATE TRIGGER leadcrm_test_refuse_lead BEFORE INSERT ON leads\(condition)
                BEGIN SELECT RAISE(ABORT, 'lead inserts are broken for this test'); END
                """
            ])
        }
    }

    /// Undoes `breakLeadInserts`.
    public func restoreLeadInserts() async throws {
        try await self.execute(["DROP TRIGGER leadcrm_test_refuse_lead" + (self.backend == .postgres ? " ON leads" : "")])
    }
}

public enum TestDatabaseError: Error {
    case postgresNotConfigured
    case unknownStore
}

extension TestDatabase {
    /// The definitions (`CREATE INDEX …`) of the indexes on `table`, those made for constraints included.
    public func indexDefinitions(on table: String) async throws -> [String] {
        switch self.store {
        case let store as PostgresLeadStore:
            let rows = try await store.client.query(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = \(table) ORDER BY indexname"
            )
            var definitions: [String] = []
            for try await definition in rows.decode(String.self) {
                definitions.append(definition)
            }
            return definitions
        case let store as SQLiteLeadStore:
            // An index made for a constraint has no SQL of its own; its columns name it.
            let rows = try await store.rows(
                """
                SELECT coalesce("m"."sql", "l"."name" || ' (' || (SELECT group_concat("i"."name") FROM pragma_index_info("l"."name") AS "i") || ')') AS "definition"
                FROM pragma_index_list(?1) AS "l" LEFT JOIN "sqlite_master" AS "m" ON "m"."name" = "l"."name"
                ORDER BY "l"."name"
                """,
                [.text(table)]
            )
            return rows.compactMap { $0.column("definition")?.text }
        default:
            throw TestDatabaseError.unknownStore
        }
    }
}
