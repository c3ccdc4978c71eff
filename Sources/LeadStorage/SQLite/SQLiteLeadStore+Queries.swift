import Foundation
import LeadCore
import SQLiteNIO

extension SQLiteLeadStore {
    static let leadColumns = """
        "id", "created_at", \(LeadField.allCases.map { "\"\($0.column)\"" }.joined(separator: ", ")),
        "idempotency_key", "x_request_id", "status", "assigned_to", "extra"
        """

    static let submissionColumns = """
        "id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome", "lead_id", "client_ip",
        "content_type", "user_agent", "forwarded_for", "error"
        """

    public func lead(id: String) async throws -> StoredLead? {
        let rows = try await self.rows("SELECT \(Self.leadColumns) FROM \"leads\" WHERE \"id\" = ?", [.text(id)])
        return try rows.first.map(Self.lead(from:))
    }

    public func submissions(forLead leadID: String) async throws -> [StoredSubmission] {
        let rows = try await self.rows(
            "SELECT \(Self.submissionColumns) FROM \"leads_raw\" WHERE \"lead_id\" = ? ORDER BY \"createdAt\", \"rowid\"",
            [.text(leadID)]
        )
        return try rows.map(Self.submission(from:))
    }

    public func submission(id: String) async throws -> StoredSubmission? {
        let rows = try await self.rows("SELECT \(Self.submissionColumns) FROM \"leads_raw\" WHERE \"id\" = ?", [.text(id)])
        return try rows.first.map(Self.submission(from:))
    }

    public func leadCount() async throws -> Int {
        try await self.count(#"SELECT count(*) AS "n" FROM "leads""#)
    }

    public func submissionCount() async throws -> Int {
        try await self.count(#"SELECT count(*) AS "n" FROM "leads_raw""#)
    }

    private func count(_ sql: String) async throws -> Int {
        let rows = try await self.rows(sql)
        return rows.first?.column("n")?.integer ?? 0
    }

    static func lead(from row: SQLiteRow) throws -> StoredLead {
        var fields: [LeadField: String] = [:]
        for field in LeadField.allCases {
            fields[field] = row.column(field.column)?.text
        }
        return StoredLead(
            id: try self.required(row, "id"),
            createdAt: try self.date(row, "created_at"),
            fields: fields,
            idempotencyKey: row.column("idempotency_key")?.text,
            requestID: row.column("x_request_id")?.text,
            status: try self.required(row, "status"),
            assignedTo: row.column("assigned_to")?.integer,
            extra: row.column("extra")?.text
        )
    }

    static func submission(from row: SQLiteRow) throws -> StoredSubmission {
        StoredSubmission(
            id: try self.required(row, "id"),
            receivedAt: try self.date(row, "createdAt"),
            body: row.column("body")?.blob.map { Array($0.readableBytesView) } ?? [],
            truncated: row.column("truncated")?.integer == 1,
            headers: SubmissionHeaders(
                contentType: row.column("content_type")?.text,
                userAgent: row.column("user_agent")?.text,
                idempotencyKey: row.column("idempotency_key")?.text,
                requestID: row.column("x_request_id")?.text,
                forwardedFor: row.column("forwarded_for")?.text
            ),
            clientAddress: row.column("client_ip")?.text,
            outcome: IntakeOutcome(rawValue: try self.required(row, "outcome")) ?? .failed,
            leadID: row.column("lead_id")?.text,
            error: row.column("error")?.text
        )
    }

    private static func required(_ row: SQLiteRow, _ column: String) throws -> String {
        guard let value = row.column(column)?.text else {
            throw LeadStoreInconsistency(description: "column \(column) is empty")
        }
        return value
    }

    private static func date(_ row: SQLiteRow, _ column: String) throws -> Date {
        guard let date = Timestamp.parse(try self.required(row, column)) else {
            throw LeadStoreInconsistency(description: "column \(column) holds no ISO-8601 time")
        }
        return date
    }
}
