import Foundation
import LeadCore
import NIOCore
import SQLiteNIO

/// The write path's statements on SQLite, inside the store's `BEGIN IMMEDIATE … COMMIT`.
struct SQLiteLeadTransaction: LeadTransaction {
    let database: SQLiteDatabaseFile

    static let fieldColumns = LeadField.allCases.map { "\"\($0.column)\"" }.joined(separator: ", ")

    func insertLeads(_ rows: [LeadRow]) async throws -> Set<String> {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rows.count * 20)
        for row in rows {
            let time = SQLiteData.text(Timestamp.format(row.createdAt))
            binds += [.text(row.id), time, time] + Self.fieldBinds(row.lead)
            binds += [SQLiteData(row.idempotencyKey), SQLiteData(row.requestID), SQLiteData(row.lead.extra)]
        }
        let inserted = try await self.database.rows(
            """
            INSERT INTO "leads" ("id", "created_at", "updated_at", \(Self.fieldColumns), "idempotency_key", "x_request_id", "extra")
            VALUES \(Self.placeholders(rows: rows.count, columns: 20))
            ON CONFLICT DO NOTHING
            RETURNING "id"
            """,
            binds
        )
        return Set(inserted.compactMap { $0.column("id")?.text })
    }

    func existingLeads(ids: [String], keys: [String]) async throws -> (ids: Set<String>, byKey: [String: String]) {
        let rows = try await self.database.rows(
            """
            SELECT "id", "idempotency_key" FROM "leads"
            WHERE "id" IN (\(Self.list(ids.count))) OR "idempotency_key" IN (\(Self.list(keys.count)))
            """,
            ids.map { .text($0) } + keys.map { .text($0) }
        )
        let wanted = Set(ids)
        var found: (ids: Set<String>, byKey: [String: String]) = ([], [:])
        for row in rows {
            guard let id = row.column("id")?.text else { continue }
            if wanted.contains(id) { found.ids.insert(id) }
            if let key = row.column("idempotency_key")?.text { found.byKey[key] = id }
        }
        return found
    }

    func insertRaws(_ rows: [RawRow]) async throws {
        let binds = rows.flatMap { Self.rawBinds($0.submission, outcome: $0.outcome, leadID: $0.leadID, error: $0.error) }
        _ = try await self.database.rows(
            """
            INSERT INTO "leads_raw" (\(Self.rawColumns))
            VALUES \(Self.placeholders(rows: rows.count, columns: 13))
            """,
            binds
        )
    }

    func existingRaws(ids: [String]) async throws -> [String: IntakeOutcome] {
        let rows = try await self.database.rows(
            #"SELECT "id", "outcome" FROM "leads_raw" WHERE "id" IN (\#(Self.list(ids.count)))"#,
            ids.map { .text($0) }
        )
        var found: [String: IntakeOutcome] = [:]
        for row in rows {
            guard let id = row.column("id")?.text else { continue }
            found[id] = row.column("outcome")?.text.flatMap(IntakeOutcome.init(rawValue:)) ?? .failed
        }
        return found
    }

    static func list(_ count: Int) -> String {
        count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ", ")
    }

    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(\(Self.list(columns)))"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    func savepoint() async throws {
        _ = try await self.database.rows("SAVEPOINT lead")
    }

    func rollbackToSavepoint() async throws {
        _ = try await self.database.rows("ROLLBACK TO SAVEPOINT lead")
        _ = try await self.database.rows("RELEASE SAVEPOINT lead")
    }

    func releaseSavepoint() async throws {
        _ = try await self.database.rows("RELEASE SAVEPOINT lead")
    }

    func insertLead(_ lead: NormalizedLead, id: String, createdAt: Date, idempotencyKey: String?, requestID: String?) async throws -> Bool {
        let time = Timestamp.format(createdAt)
        let binds: [SQLiteData] =
            [.text(id), .text(time), .text(time)] + Self.fieldBinds(lead)
            + [SQLiteData(idempotencyKey), SQLiteData(requestID), SQLiteData(lead.extra)]
        let placeholders = Array(repeating: "?", count: binds.count).joined(separator: ", ")
        let inserted = try await self.database.rows(
            """
            INSERT INTO "leads" ("id", "created_at", "updated_at", \(Self.fieldColumns), "idempotency_key", "x_request_id", "extra")
            VALUES (\(placeholders))
            ON CONFLICT DO NOTHING
            RETURNING "id"
            """,
            binds
        )
        return !inserted.isEmpty
    }

    func existingLead(id: String, idempotencyKey: String?) async throws -> String? {
        let rows = try await self.database.rows(
            #"SELECT "id" FROM "leads" WHERE "id" = ?1 OR "idempotency_key" = ?2 ORDER BY "id" = ?1 DESC LIMIT 1"#,
            [.text(id), SQLiteData(idempotencyKey)]
        )
        return rows.first?.column("id")?.text
    }

    func updateLead(id: String, with lead: NormalizedLead) async throws -> Bool {
        let assignments = LeadField.allCases.map { "\"\($0.column)\" = ?" }.joined(separator: ", ")
        let values = Self.fieldBinds(lead) + [SQLiteData(lead.extra)]
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        let updated = try await self.database.rows(
            """
            UPDATE "leads" SET \(assignments), "extra" = ?, "updated_at" = ?
            WHERE "id" = ? AND (\(Self.fieldColumns), "extra") IS NOT (\(placeholders))
            RETURNING "id"
            """,
            values + [.text(Timestamp.format(Date())), .text(id)] + values
        )
        return !updated.isEmpty
    }

    static let rawColumns = """
        "id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome", "lead_id", "client_ip",
        "content_type", "user_agent", "forwarded_for", "error"
        """

    static func rawBinds(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?, error: String?) -> [SQLiteData] {
        let headers = submission.headers
        return [
            .text(submission.idText), .text(Timestamp.format(submission.receivedAt)), SQLiteData(headers.idempotencyKey),
            SQLiteData(headers.requestID), .blob(ByteBuffer(bytes: submission.body)), .integer(submission.truncated ? 1 : 0),
            .text(outcome.rawValue), SQLiteData(leadID), SQLiteData(submission.clientAddress), SQLiteData(headers.contentType),
            SQLiteData(headers.userAgent), SQLiteData(headers.forwardedFor), SQLiteData(error),
        ]
    }

    func insertRaw(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?, error: String?) async throws {
        _ = try await self.database.rows(
            "INSERT INTO \"leads_raw\" (\(Self.rawColumns)) VALUES (\(Self.list(13)))",
            Self.rawBinds(submission, outcome: outcome, leadID: leadID, error: error)
        )
    }

    func updateRaw(id: String, outcome: IntakeOutcome, leadID: String?, error: String?) async throws {
        _ = try await self.database.rows(
            #"UPDATE "leads_raw" SET "outcome" = ?, "lead_id" = ?, "error" = ? WHERE "id" = ?"#,
            [.text(outcome.rawValue), SQLiteData(leadID), SQLiteData(error), .text(id)]
        )
    }

    /// `BEGIN IMMEDIATE` already holds SQLite's single write lock, so reading is enough here.
    func lockRaw(id: String) async throws -> (outcome: IntakeOutcome, leadID: String?)? {
        let rows = try await self.database.rows(#"SELECT "outcome", "lead_id" FROM "leads_raw" WHERE "id" = ?"#, [.text(id)])
        guard let row = rows.first, let outcome = row.column("outcome")?.text else { return nil }
        return (IntakeOutcome(rawValue: outcome) ?? .failed, row.column("lead_id")?.text)
    }

    static func fieldBinds(_ lead: NormalizedLead) -> [SQLiteData] {
        LeadField.allCases.map { SQLiteData(lead[$0]) }
    }
}

extension SQLiteError: DatabaseErrorDescribing {
    var databaseMessage: String { self.message }
    var isStatementFailure: Bool { true }
}
