import LeadCore
import NIOCore
import SQLiteNIO

extension SQLiteLeadStore {
    public func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        try await self.transaction {
            var result: IntakeResult
            var failure: String?
            switch interpretation {
            case .rejected(let rejection):
                result = .rejected(rejection)
            case .lead(let lead):
                // Same savepoint rule as PostgreSQL: a lead that cannot be inserted never costs the raw row.
                _ = try await self.rows("SAVEPOINT lead")
                do {
                    result = try await self.insertLead(lead, for: submission)
                    _ = try await self.rows("RELEASE SAVEPOINT lead")
                } catch let error as SQLiteError {
                    _ = try await self.rows("ROLLBACK TO SAVEPOINT lead")
                    _ = try await self.rows("RELEASE SAVEPOINT lead")
                    failure = error.message
                    self.logger.error(
                        "lead insert failed; request kept for replay",
                        metadata: ["raw.id": "\(submission.idText)", "error": "\(error.message)"]
                    )
                    result = .queued(leadID: submission.idText)
                }
            }
            try await self.insertRaw(submission, outcome: failure == nil ? result.outcome : .failed, leadID: result.leadID, error: failure)
            return result
        }
    }

    func insertLead(_ lead: NormalizedLead, for submission: RawSubmission) async throws -> IntakeResult {
        let id = submission.idText
        let now = Timestamp.format(submission.receivedAt)
        let key = submission.headers.idempotencyKey
        var binds: [SQLiteData] = [.text(id), .text(now), .text(now)]
        binds += LeadField.allCases.map { SQLiteData(lead[$0]) }
        binds += [SQLiteData(key), SQLiteData(submission.headers.requestID), SQLiteData(lead.extra)]
        let columns = LeadField.allCases.map { "\"\($0.column)\"" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: binds.count).joined(separator: ", ")
        let inserted = try await self.rows(
            """
            INSERT INTO "leads" ("id", "created_at", "updated_at", \(columns), "idempotency_key", "x_request_id", "extra")
            VALUES (\(placeholders))
            ON CONFLICT ("idempotency_key") DO NOTHING
            RETURNING "id"
            """,
            binds
        )
        if !inserted.isEmpty {
            return .stored(leadID: id)
        }
        let existing = try await self.rows(#"SELECT "id" FROM "leads" WHERE "idempotency_key" = ?"#, [SQLiteData(key)])
        guard let leadID = existing.first?.column("id")?.text else {
            throw LeadStoreInconsistency(description: "idempotency key conflict without an existing lead")
        }
        return .duplicate(leadID: leadID)
    }

    func insertRaw(_ submission: RawSubmission, outcome: IntakeOutcome, leadID: String?, error: String?) async throws {
        let headers = submission.headers
        _ = try await self.rows(
            """
            INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome",
                "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(submission.idText), .text(Timestamp.format(submission.receivedAt)), SQLiteData(headers.idempotencyKey),
                SQLiteData(headers.requestID), .blob(ByteBuffer(bytes: submission.body)), .integer(submission.truncated ? 1 : 0),
                .text(outcome.rawValue), SQLiteData(leadID), SQLiteData(submission.clientAddress), SQLiteData(headers.contentType),
                SQLiteData(headers.userAgent), SQLiteData(headers.forwardedFor), SQLiteData(error),
            ]
        )
    }
}
