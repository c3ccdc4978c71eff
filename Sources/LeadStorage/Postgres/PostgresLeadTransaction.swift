import Foundation
import LeadCore
import Logging
import PostgresNIO

/// The write path's statements on PostgreSQL, on a connection inside `BEGIN … COMMIT`.
struct PostgresLeadTransaction: LeadBatchTransaction {
    let connection: PostgresConnection
    let logger: Logger

    func insertLeads(_ rows: [LeadRow]) async throws -> Set<String> {
        var ids: Set<String> = []
        for try await id in try await self.connection.execute(InsertLeadsStatement(rows: rows), logger: self.logger) {
            ids.insert(id)
        }
        return ids
    }

    func existingLeads(ids: [String], keys: [String]) async throws -> (ids: Set<String>, byKey: [String: String]) {
        let rows = try await self.connection.query(
            """
            SELECT "id", "idempotency_key" FROM "leads"
            WHERE "id" = ANY(\(ids))
                OR leadcrm_key_digest("idempotency_key") = ANY(ARRAY(SELECT leadcrm_key_digest("k") FROM unnest(\(keys)) AS "k"))
            """,
            logger: self.logger
        )
        let wanted = Set(ids)
        var found: (ids: Set<String>, byKey: [String: String]) = ([], [:])
        for try await (id, key) in rows.decode((String, String?).self) {
            if wanted.contains(id) { found.ids.insert(id) }
            if let key { found.byKey[key] = id }
        }
        return found
    }

    func insertRaws(_ rows: [RawRow]) async throws {
        _ = try await self.connection.execute(InsertRawsStatement(rows: rows), logger: self.logger)
    }

    func existingRaws(ids: [String]) async throws -> [String: IntakeOutcome] {
        let rows = try await self.connection.query(
            #"SELECT "id", "outcome" FROM "leads_raw" WHERE "id" = ANY(\#(ids))"#,
            logger: self.logger
        )
        var found: [String: IntakeOutcome] = [:]
        for try await (id, outcome) in rows.decode((String, String).self) { found[id] = IntakeOutcome(rawValue: outcome) ?? .failed }
        return found
    }

    func savepoint() async throws {
        try await self.connection.query("SAVEPOINT lead", logger: self.logger)
    }

    func rollbackToSavepoint() async throws {
        try await self.connection.query("ROLLBACK TO SAVEPOINT lead", logger: self.logger)
    }

    func releaseSavepoint() async throws {
        try await self.connection.query("RELEASE SAVEPOINT lead", logger: self.logger)
    }

    func insertLead(_ lead: NormalizedLead, id: String, createdAt: Date, idempotencyKey: String?, requestID: String?) async throws -> Bool {
        // No conflict target: a taken id (a replay that already happened) and a taken key both mean "exists".
        let inserted = try await self.connection.query(
            """
            INSERT INTO "leads" ("id", "created_at", "updated_at", "click_id", "country", "creo", "description", "domain",
                "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype",
                "idempotency_key", "x_request_id", "status", "extra")
            VALUES (\(id), \(createdAt), \(createdAt), \(lead[.clickID]), \(lead[.country]),
                \(lead[.creo]), \(lead[.description]), \(lead[.domain]), \(lead[.email]), \(lead[.firstName]),
                \(lead[.lastName]), \(lead[.ip]), \(lead[.lang]), \(lead[.marker]), \(lead[.offer]), \(lead[.phone]),
                \(lead[.sourcetype]), \(idempotencyKey), \(requestID), 'new', \(lead.extra)::jsonb)
            ON CONFLICT DO NOTHING
            RETURNING "id"
            """,
            logger: self.logger
        )
        for try await _ in inserted { return true }
        return false
    }

    func existingLead(id: String, idempotencyKey: String?) async throws -> String? {
        let rows = try await self.connection.query(
            """
            SELECT "id" FROM "leads"
            WHERE "id" = \(id) OR leadcrm_key_digest("idempotency_key") = leadcrm_key_digest(\(idempotencyKey))
            ORDER BY "id" = \(id) DESC LIMIT 1
            """,
            logger: self.logger
        )
        for try await leadID in rows.decode(String.self) { return leadID }
        return nil
    }

    func updateLead(id: String, with lead: NormalizedLead) async throws -> Bool {
        let updated = try await self.connection.query(
            """
            UPDATE "leads" SET "click_id" = \(lead[.clickID]), "country" = \(lead[.country]), "creo" = \(lead[.creo]),
                "description" = \(lead[.description]), "domain" = \(lead[.domain]), "email" = \(lead[.email]),
                "first_name" = \(lead[.firstName]), "last_name" = \(lead[.lastName]), "ip" = \(lead[.ip]),
                "lang" = \(lead[.lang]), "marker" = \(lead[.marker]), "offer" = \(lead[.offer]), "phone" = \(lead[.phone]),
                "sourcetype" = \(lead[.sourcetype]), "extra" = \(lead.extra)::jsonb, "updated_at" = \(Date())
            WHERE "id" = \(id) AND ("click_id", "country", "creo", "description", "domain", "email", "first_name",
                "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype", "extra")
                IS DISTINCT FROM (\(lead[.clickID]), \(lead[.country]), \(lead[.creo]), \(lead[.description]),
                \(lead[.domain]), \(lead[.email]), \(lead[.firstName]), \(lead[.lastName]), \(lead[.ip]), \(lead[.lang]),
                \(lead[.marker]), \(lead[.offer]), \(lead[.phone]), \(lead[.sourcetype]), \(lead.extra)::jsonb)
            RETURNING "id"
            """,
            logger: self.logger
        )
        for try await _ in updated { return true }
        return false
    }

    func insertRaw(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?, error: String?) async throws {
        let headers = submission.headers
        try await self.connection.query(
            """
            INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome",
                "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
            VALUES (\(submission.idText), \(submission.receivedAt), \(headers.idempotencyKey), \(headers.requestID),
                \(ByteBuffer(bytes: submission.body)), \(submission.truncated), \(outcome.rawValue), \(leadID),
                \(submission.clientAddress), \(headers.contentType), \(headers.userAgent), \(headers.forwardedFor), \(error))
            """,
            logger: self.logger
        )
    }

    func updateRaw(id: String, outcome: IntakeOutcome, leadID: String?, error: String?) async throws {
        try await self.connection.query(
            #"UPDATE "leads_raw" SET "outcome" = \#(outcome.rawValue), "lead_id" = \#(leadID), "error" = \#(error) WHERE "id" = \#(id)"#,
            logger: self.logger
        )
    }

    func lockRaw(id: String) async throws -> (outcome: IntakeOutcome, leadID: String?)? {
        let rows = try await self.connection.query(
            #"SELECT "outcome", "lead_id" FROM "leads_raw" WHERE "id" = \#(id) FOR UPDATE"#,
            logger: self.logger
        )
        for try await (outcome, leadID) in rows.decode((String, String?).self) {
            return (IntakeOutcome(rawValue: outcome) ?? .failed, leadID)
        }
        return nil
    }
}

extension PSQLError: DatabaseErrorDescribing {
    var databaseMessage: String { self.serverInfo?[.message] ?? "\(self.code)" }
    var isStatementFailure: Bool { self.serverInfo != nil }
}
