import Foundation
import LeadCore
import PostgresNIO

/// The two statements of every intake batch, prepared once per connection: their text never changes with the batch
/// size (each column travels as one array), so PostgreSQL parses and plans them once instead of per batch.
///
/// Each statement names itself: the protocol's default name is the type's name, spelled out at run time for every
/// batch.
struct InsertLeadsStatement: PostgresPreparedStatement {
    typealias Row = String

    static let name = "leadcrm_insert_leads"

    // WITH ORDINALITY + ORDER BY: rows go in in arrival order, so of a key repeated in the batch the first wins.
    static let sql = """
        INSERT INTO "leads" ("id", "created_at", "updated_at", "click_id", "country", "creo", "description", "domain",
            "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype",
            "idempotency_key", "x_request_id", "status", "extra")
        SELECT "id", "t", "t", "click_id", "country", "creo", "description", "domain", "email", "first_name", "last_name",
            "ip", "lang", "marker", "offer", "phone", "sourcetype", "k", "r", 'new', "extra"::jsonb
        FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
            $17::text[], $18::text[], $19::text[])
            WITH ORDINALITY AS "u"("id", "t", "click_id", "country", "creo", "description", "domain", "email", "first_name",
            "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype", "k", "r", "extra", "n")
        ORDER BY "n"
        ON CONFLICT DO NOTHING
        RETURNING "id"
        """

    let rows: [LeadRow]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 19)
        bindings.append(self.rows.map(\.id))
        bindings.append(self.rows.map(\.createdAt))
        for field in LeadField.allCases {
            bindings.append(NullableArray(self.rows.map { $0.lead[field] }))
        }
        bindings.append(NullableArray(self.rows.map(\.idempotencyKey)))
        bindings.append(NullableArray(self.rows.map(\.requestID)))
        bindings.append(NullableArray(self.rows.map(\.lead.extra)))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String {
        try row.decode(String.self)
    }
}

struct InsertRawsStatement: PostgresPreparedStatement {
    typealias Row = ()

    static let name = "leadcrm_insert_raws"

    static let sql = """
        INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome",
            "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
        SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::bytea[], $6::bool[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
        """

    let rows: [RawRow]

    func makeBindings() throws -> PostgresBindings {
        let submissions = self.rows.map(\.submission)
        func header(_ value: (SubmissionHeaders) -> String?) -> NullableArray<String> {
            NullableArray(submissions.map { value($0.headers) })
        }
        var bindings = PostgresBindings(capacity: 13)
        bindings.append(submissions.map(\.idText))
        bindings.append(submissions.map(\.receivedAt))
        bindings.append(header(\.idempotencyKey))
        bindings.append(header(\.requestID))
        bindings.append(submissions.map { ByteBuffer(bytes: $0.body) })
        bindings.append(submissions.map(\.truncated))
        bindings.append(self.rows.map(\.outcome.rawValue))
        bindings.append(NullableArray(self.rows.map(\.leadID)))
        bindings.append(NullableArray(submissions.map(\.clientAddress)))
        bindings.append(header(\.contentType))
        bindings.append(header(\.userAgent))
        bindings.append(header(\.forwardedFor))
        bindings.append(NullableArray(self.rows.map(\.error)))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}

/// Live intake's batch in one round trip: `CALL leadcrm_intake_batch(...)` (migration 4) writes the leads and every
/// raw row with its outcome, links duplicates, and commits before it answers. It must run outside a transaction
/// block. Its one row holds, per raw row, the id, the outcome and the lead id (`''` for none).
struct IntakeBatchCall: PostgresPreparedStatement {
    typealias Row = ([String], [String], [String])

    static let name = "leadcrm_intake_batch_call"

    static let sql =
        "CALL leadcrm_intake_batch(" + (1...27).map { "$\($0)" }.joined(separator: ", ")
        + ", NULL::text[], NULL::text[], NULL::text[])"

    let items: [IntakeItem]

    func makeBindings() throws -> PostgresBindings {
        let submissions = self.items.map(\.submission)
        let leads = self.items.map { item -> NormalizedLead? in
            if case .lead(let lead) = item.interpretation { return lead }
            return nil
        }
        func header(_ value: (SubmissionHeaders) -> String?) -> NullableArray<String> {
            NullableArray(submissions.map { value($0.headers) })
        }
        var bindings = PostgresBindings(capacity: 27)
        bindings.append(submissions.map(\.idText))
        bindings.append(submissions.map(\.receivedAt))
        bindings.append(leads.map { $0 != nil })
        for field in LeadField.allCases {
            bindings.append(NullableArray(leads.map { $0?[field] }))
        }
        bindings.append(header(\.idempotencyKey))
        bindings.append(header(\.requestID))
        bindings.append(NullableArray(leads.map { $0?.extra }))
        bindings.append(submissions.map { ByteBuffer(bytes: $0.body) })
        bindings.append(submissions.map(\.truncated))
        bindings.append(header(\.contentType))
        bindings.append(header(\.userAgent))
        bindings.append(header(\.forwardedFor))
        bindings.append(NullableArray(submissions.map(\.clientAddress)))
        bindings.append(NullableArray(submissions.map(\.bodyError)))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> ([String], [String], [String]) {
        try row.decode(([String], [String], [String]).self)
    }
}

/// A lone request — the batch of a quiet moment — in one plain statement instead of `IntakeBatchCall`: the same
/// rows and outcomes, committed as the statement ends (outside a transaction block), without the procedure call,
/// its 27 one-element arrays and its three statements. With one client that was 0.65–0.72 ms per lead against
/// 0.82–1.13 ms for the call (pgbench, same minutes). Its parameters are the call's, one value each. Its row is the
/// raw row's outcome and lead id (`''` for none).
///
/// One statement sees the database as it was when it began: a key taken by a lead committed after that (another
/// leadcrm on the same database) is skipped by `ON CONFLICT`, but its holder is not found, and the raw row is
/// written `failed`. `LinkFailedDuplicate` then links it, as the procedure's second statement would have.
struct IntakeOneStatement: PostgresPreparedStatement {
    typealias Row = (String, String)

    static let name = "leadcrm_intake_one"

    static let sql = """
        WITH "ins" AS (
            INSERT INTO "leads" ("id", "created_at", "updated_at", "click_id", "country", "creo", "description", "domain",
                "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype",
                "idempotency_key", "x_request_id", "status", "extra")
            SELECT $1::text, $2::timestamptz, $2::timestamptz, $4::text, $5::text, $6::text, $7::text, $8::text,
                $9::text, $10::text, $11::text, $12::text, $13::text, $14::text, $15::text, $16::text, $17::text,
                $18::text, $19::text, 'new', $20::text::jsonb
            WHERE $3::bool
            ON CONFLICT DO NOTHING
            RETURNING "id"
        ),
        "holder" AS (
            SELECT "leads"."id" FROM "leads"
            WHERE $3::bool AND $18::text IS NOT NULL AND NOT EXISTS (SELECT FROM "ins")
                AND leadcrm_key_digest("leads"."idempotency_key") = leadcrm_key_digest($18::text)
            LIMIT 1
        )
        INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome",
            "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
        SELECT $1::text, $2::timestamptz, $18::text, $19::text, $21::bytea, $22::bool,
            CASE WHEN NOT $3::bool THEN 'invalid' WHEN EXISTS (SELECT FROM "ins") THEN 'stored'
                WHEN EXISTS (SELECT FROM "holder") THEN 'duplicate' ELSE 'failed' END,
            CASE WHEN $3::bool THEN coalesce((SELECT "id" FROM "ins"), (SELECT "id" FROM "holder")) END,
            $26::text, $23::text, $24::text, $25::text,
            CASE WHEN NOT $3::bool THEN $27::text
                WHEN NOT EXISTS (SELECT FROM "ins") AND NOT EXISTS (SELECT FROM "holder")
                THEN 'its key is held by another lead that was not found' END
        RETURNING "outcome", coalesce("lead_id", '')
        """

    let item: IntakeItem

    func makeBindings() throws -> PostgresBindings {
        let submission = self.item.submission
        let headers = submission.headers
        var lead: NormalizedLead?
        if case .lead(let normalized) = self.item.interpretation { lead = normalized }
        var bindings = PostgresBindings(capacity: 27)
        bindings.append(submission.idText)
        bindings.append(submission.receivedAt)
        bindings.append(lead != nil)
        for field in LeadField.allCases {
            try bindings.append(lead?[field])
        }
        try bindings.append(headers.idempotencyKey)
        try bindings.append(headers.requestID)
        try bindings.append(lead?.extra)
        bindings.append(ByteBuffer(bytes: submission.body))
        bindings.append(submission.truncated)
        try bindings.append(headers.contentType)
        try bindings.append(headers.userAgent)
        try bindings.append(headers.forwardedFor)
        try bindings.append(submission.clientAddress)
        try bindings.append(submission.bodyError)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (String, String) {
        try row.decode((String, String).self)
    }
}

/// Links a raw row written `failed` because its key's holder committed after the statement that wrote it began
/// (`IntakeOneStatement`): a statement of its own sees that holder. Its row is the holder's id; none when the raw
/// row is not `failed` or no lead holds the key.
struct LinkFailedDuplicate: PostgresPreparedStatement {
    typealias Row = String

    static let name = "leadcrm_link_failed_duplicate"

    static let sql = """
        UPDATE "leads_raw" SET "outcome" = 'duplicate', "lead_id" = "h"."id", "error" = NULL
        FROM (
            SELECT "id" FROM "leads" WHERE leadcrm_key_digest("idempotency_key") = leadcrm_key_digest($2::text) LIMIT 1
        ) AS "h"
        WHERE "leads_raw"."id" = $1::text AND "leads_raw"."outcome" = 'failed'
        RETURNING "h"."id"
        """

    let rawID: String
    let key: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(self.rawID)
        bindings.append(self.key)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String {
        try row.decode(String.self)
    }
}
