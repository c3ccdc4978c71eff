import Foundation
import LeadCore
import PostgresNIO

extension PostgresLeadStore {
    static let leadColumns = """
        "id", "created_at", "click_id", "country", "creo", "description", "domain", "email", "first_name", "last_name",
        "ip", "lang", "marker", "offer", "phone", "sourcetype", "idempotency_key", "x_request_id", "status",
        "assigned_to", "extra"::text AS "extra"
        """

    static let submissionColumns = """
        "id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome", "lead_id", "client_ip",
        "content_type", "user_agent", "forwarded_for", "error"
        """

    public func lead(id: String) async throws -> StoredLead? {
        try await self.perform { client in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.leadColumns) FROM \"leads\" WHERE \"id\" = \(id)",
                logger: self.logger
            )
            for try await row in rows {
                return try Self.lead(from: row)
            }
            return nil
        }
    }

    public func submissions(forLead leadID: String) async throws -> [StoredSubmission] {
        try await self.perform { client in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.submissionColumns) FROM "leads_raw"
                WHERE "lead_id" = \(leadID) ORDER BY "createdAt", "id"
                """,
                logger: self.logger
            )
            var submissions: [StoredSubmission] = []
            for try await row in rows {
                submissions.append(try Self.submission(from: row))
            }
            return submissions
        }
    }

    public func submission(id: String) async throws -> StoredSubmission? {
        try await self.perform { client in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.submissionColumns) FROM \"leads_raw\" WHERE \"id\" = \(id)",
                logger: self.logger
            )
            for try await row in rows {
                return try Self.submission(from: row)
            }
            return nil
        }
    }

    public func leadCount() async throws -> Int {
        try await self.count(#"SELECT count(*) FROM "leads""#)
    }

    public func submissionCount() async throws -> Int {
        try await self.count(#"SELECT count(*) FROM "leads_raw""#)
    }

    private func count(_ query: PostgresQuery) async throws -> Int {
        try await self.perform { client in
            let rows = try await client.query(query, logger: self.logger)
            for try await count in rows.decode(Int.self) {
                return count
            }
            return 0
        }
    }

    static func lead(from row: PostgresRow) throws -> StoredLead {
        let columns = row.makeRandomAccess()
        var fields: [LeadField: String] = [:]
        for field in LeadField.allCases {
            fields[field] = try columns[field.column].decode(String?.self)
        }
        return StoredLead(
            id: try columns["id"].decode(String.self),
            createdAt: try columns["created_at"].decode(Date.self),
            fields: fields,
            idempotencyKey: try columns["idempotency_key"].decode(String?.self),
            requestID: try columns["x_request_id"].decode(String?.self),
            status: try columns["status"].decode(String.self),
            assignedTo: try columns["assigned_to"].decode(Int?.self),
            extra: try columns["extra"].decode(String?.self)
        )
    }

    static func submission(from row: PostgresRow) throws -> StoredSubmission {
        let columns = row.makeRandomAccess()
        let outcome = try columns["outcome"].decode(String.self)
        return StoredSubmission(
            id: try columns["id"].decode(String.self),
            receivedAt: try columns["createdAt"].decode(Date.self),
            body: try columns["body"].decode(ByteBuffer?.self).map { Array($0.readableBytesView) } ?? [],
            truncated: try columns["truncated"].decode(Bool.self),
            headers: SubmissionHeaders(
                contentType: try columns["content_type"].decode(String?.self),
                userAgent: try columns["user_agent"].decode(String?.self),
                idempotencyKey: try columns["idempotency_key"].decode(String?.self),
                requestID: try columns["x_request_id"].decode(String?.self),
                forwardedFor: try columns["forwarded_for"].decode(String?.self)
            ),
            clientAddress: try columns["client_ip"].decode(String?.self),
            outcome: IntakeOutcome(rawValue: outcome) ?? .failed,
            leadID: try columns["lead_id"].decode(String?.self),
            error: try columns["error"].decode(String?.self)
        )
    }
}
