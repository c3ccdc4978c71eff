import Foundation
import LeadCore
import Logging
import PostgresNIO

extension PostgresLeadStore {
    public func record(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        let logger = self.logger
        return try await self.perform { client in
            try await client.withTransaction(logger: logger) { connection in
                try await Self.record(submission, as: interpretation, on: connection, logger: logger)
            }
        }
    }

    /// Both rows in the caller's transaction. The lead insert runs under a savepoint: if it fails for any reason,
    /// the raw row is still committed as `failed` (with the error) for `leadcrm replay`, and the sender still gets
    /// an acknowledgement, because the request itself is safe.
    static func record(
        _ submission: RawSubmission,
        as interpretation: SubmissionInterpretation,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> IntakeResult {
        var result: IntakeResult
        var failure: String?
        switch interpretation {
        case .rejected(let rejection):
            result = .rejected(rejection)
        case .lead(let lead):
            try await connection.query("SAVEPOINT lead", logger: logger)
            do {
                result = try await self.insertLead(lead, for: submission, on: connection, logger: logger)
                try await connection.query("RELEASE SAVEPOINT lead", logger: logger)
            } catch let error as PSQLError where error.serverInfo != nil {
                try await connection.query("ROLLBACK TO SAVEPOINT lead", logger: logger)
                failure = error.serverInfo?[.message] ?? "\(error)"
                logger.error(
                    "lead insert failed; request kept for replay",
                    metadata: ["raw.id": "\(submission.idText)", "error": "\(failure ?? "")"]
                )
                result = .queued(leadID: submission.idText)
            }
        }
        let outcome: IntakeOutcome = failure == nil ? result.outcome : .failed
        try await self.insertRaw(submission, outcome: outcome, leadID: result.leadID, error: failure, on: connection, logger: logger)
        return result
    }

    static func insertLead(
        _ lead: NormalizedLead,
        for submission: RawSubmission,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> IntakeResult {
        let id = submission.idText
        let key = submission.headers.idempotencyKey
        let requestID = submission.headers.requestID
        let inserted = try await connection.query(
            """
            INSERT INTO "leads" ("id", "created_at", "updated_at", "click_id", "country", "creo", "description", "domain",
                "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype",
                "idempotency_key", "x_request_id", "status", "extra")
            VALUES (\(id), \(submission.receivedAt), \(submission.receivedAt), \(lead[.clickID]), \(lead[.country]),
                \(lead[.creo]), \(lead[.description]), \(lead[.domain]), \(lead[.email]), \(lead[.firstName]),
                \(lead[.lastName]), \(lead[.ip]), \(lead[.lang]), \(lead[.marker]), \(lead[.offer]), \(lead[.phone]),
                \(lead[.sourcetype]), \(key), \(requestID), 'new', \(lead.extra)::jsonb)
            ON CONFLICT (leadcrm_key_digest("idempotency_key")) DO NOTHING
            RETURNING "id"
            """,
            logger: logger
        )
        for try await _ in inserted {
            return .stored(leadID: id)
        }
        // The key is taken. ON CONFLICT waited for the other transaction to commit, and this new statement sees it.
        let existing = try await connection.query(
            #"SELECT "id" FROM "leads" WHERE leadcrm_key_digest("idempotency_key") = leadcrm_key_digest(\#(key))"#,
            logger: logger
        )
        for try await leadID in existing.decode(String.self) {
            return .duplicate(leadID: leadID)
        }
        throw LeadStoreInconsistency(description: "idempotency key conflict without an existing lead")
    }

    static func insertRaw(
        _ submission: RawSubmission,
        outcome: IntakeOutcome,
        leadID: String?,
        error: String?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let headers = submission.headers
        try await connection.query(
            """
            INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome",
                "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
            VALUES (\(submission.idText), \(submission.receivedAt), \(headers.idempotencyKey), \(headers.requestID),
                \(ByteBuffer(bytes: submission.body)), \(submission.truncated), \(outcome.rawValue), \(leadID),
                \(submission.clientAddress), \(headers.contentType),
                \(headers.userAgent), \(headers.forwardedFor), \(error))
            """,
            logger: logger
        )
    }
}

/// The database answered in a way its constraints should make impossible.
struct LeadStoreInconsistency: Error, CustomStringConvertible {
    let description: String
}
