import Foundation
import LeadCore
import NIOCore
import SQLiteNIO

/// The write path's statements on SQLite, inside the store's `BEGIN IMMEDIATE … COMMIT`.
struct SQLiteLeadTransaction: LeadTransaction {
    let database: SQLiteDatabaseFile

    static let fieldColumns = LeadField.allCases.map { "\"\($0.column)\"" }.joined(separator: ", ")

    static func list(_ count: Int) -> String {
        count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ", ")
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

    static let insertLeadSQL = """
        INSERT INTO "leads" ("id", "created_at", "updated_at", \(fieldColumns), "idempotency_key", "x_request_id", "extra")
        VALUES (\(list(20))) ON CONFLICT DO NOTHING
        """

    static func leadBinds(_ lead: NormalizedLead, id: String, createdAt: Date, idempotencyKey: String?, requestID: String?) -> [SQLiteData] {
        let time = Timestamp.format(createdAt)
        return [.text(id), .text(time), .text(time)] + Self.fieldBinds(lead)
            + [SQLiteData(idempotencyKey), SQLiteData(requestID), SQLiteData(lead.extra)]
    }

    func insertLead(_ lead: NormalizedLead, id: String, createdAt: Date, idempotencyKey: String?, requestID: String?) async throws -> Bool {
        let inserted = try await self.database.rows(
            Self.insertLeadSQL + #" RETURNING "id""#,
            Self.leadBinds(lead, id: id, createdAt: createdAt, idempotencyKey: idempotencyKey, requestID: requestID)
        )
        return !inserted.isEmpty
    }

    /// The lead that has the id (?1), else the one holding the key (?2).
    static let existingLeadSQL = #"SELECT "id" FROM "leads" WHERE "id" = ?1 OR "idempotency_key" = ?2 ORDER BY "id" = ?1 DESC LIMIT 1"#

    func existingLead(id: String, idempotencyKey: String?) async throws -> String? {
        let rows = try await self.database.rows(Self.existingLeadSQL, [.text(id), SQLiteData(idempotencyKey)])
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

    static let insertRawSQL = "INSERT INTO \"leads_raw\" (\(rawColumns)) VALUES (\(list(13)))"

    func insertRaw(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?, error: String?) async throws {
        _ = try await self.database.rows(Self.insertRawSQL, Self.rawBinds(submission, outcome: outcome, leadID: leadID, error: error))
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
