extension Migration {
    /// Live intake's batch as one round trip: a procedure that writes the batch and commits it.
    ///
    /// A batch used to take three: `BEGIN`, the insert, `COMMIT`. An explicit transaction was needed because a
    /// statement's rows reach the client before its implicit commit is durable, and nothing may be answered before
    /// that. A procedure called outside a transaction block may `COMMIT` itself: its result row is sent only after
    /// that commit, so every answer built from it is durable. Parameters 1–27 are the batch, one array per column
    /// (see `IntakeBatchCall`); the three INOUT arrays come back holding each raw row's id, outcome and lead id
    /// (`''` for none).
    ///
    /// Leads go in first (`ON CONFLICT DO NOTHING`: of a key repeated in the batch, the first in arrival order wins),
    /// then every raw row with its outcome. A raw row whose key another lead holds is then linked to that lead as a
    /// duplicate by a statement planned afresh (`EXECUTE`), so a lookup by key is never a plan cached while the
    /// table was small. PostgreSQL 11 or newer.
    static let intakeProcedure = Migration(
        version: 4,
        name: "intake batch procedure",
        postgres: [
            #"""
            CREATE OR REPLACE PROCEDURE leadcrm_intake_batch(
                text[], timestamptz[], bool[], text[], text[], text[], text[], text[], text[], text[], text[], text[],
                text[], text[], text[], text[], text[], text[], text[], text[], bytea[], bool[], text[], text[], text[],
                text[], text[],
                INOUT "result_ids" text[], INOUT "result_outcomes" text[], INOUT "result_leads" text[])
            LANGUAGE plpgsql AS $procedure$
            BEGIN
                WITH "b" AS (
                    SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                        $19, $20, $21, $22, $23, $24, $25, $26, $27)
                        WITH ORDINALITY AS "b"("id", "t", "is_lead", "click_id", "country", "creo", "description", "domain",
                        "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype", "k", "r",
                        "extra", "body", "truncated", "content_type", "user_agent", "forwarded_for", "client_ip",
                        "body_error", "n")
                ),
                "ins" AS (
                    INSERT INTO "leads" ("id", "created_at", "updated_at", "click_id", "country", "creo", "description",
                        "domain", "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype",
                        "idempotency_key", "x_request_id", "status", "extra")
                    SELECT "id", "t", "t", "click_id", "country", "creo", "description", "domain", "email", "first_name",
                        "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype", "k", "r", 'new', "extra"::jsonb
                    FROM "b" WHERE "is_lead" ORDER BY "n"
                    ON CONFLICT DO NOTHING
                    RETURNING "id"
                ),
                "raw" AS (
                    INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated",
                        "outcome", "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
                    SELECT "b"."id", "t", "k", "r", "body", "truncated",
                        CASE WHEN NOT "is_lead" THEN 'invalid' WHEN "ins"."id" IS NOT NULL THEN 'stored' ELSE 'failed' END,
                        "ins"."id", "client_ip", "content_type", "user_agent", "forwarded_for",
                        CASE WHEN NOT "is_lead" THEN "body_error"
                            WHEN "ins"."id" IS NULL THEN 'its key is held by another lead; linking it' END
                    FROM "b" LEFT JOIN "ins" ON "ins"."id" = "b"."id" ORDER BY "n"
                    RETURNING "id", "outcome", "lead_id"
                )
                SELECT coalesce(array_agg("id"), '{}'), coalesce(array_agg("outcome"), '{}'),
                    coalesce(array_agg(coalesce("lead_id", '')), '{}')
                INTO "result_ids", "result_outcomes", "result_leads"
                FROM "raw";

                IF 'failed' = ANY("result_outcomes") THEN
                    EXECUTE $link$
                        WITH "linked" AS (
                            UPDATE "leads_raw" AS "r" SET "outcome" = 'duplicate', "lead_id" = "h"."id", "error" = NULL
                            FROM "leads" AS "h"
                            WHERE "r"."id" = ANY($1) AND "r"."outcome" = 'failed'
                                AND leadcrm_key_digest("h"."idempotency_key") = leadcrm_key_digest("r"."idempotency_key")
                            RETURNING "r"."id" AS "raw_id", "h"."id" AS "holder"
                        )
                        SELECT array_agg("u"."id" ORDER BY "u"."n"),
                            array_agg(CASE WHEN "linked"."holder" IS NULL THEN "u"."outcome" ELSE 'duplicate' END ORDER BY "u"."n"),
                            array_agg(coalesce("linked"."holder", "u"."lead") ORDER BY "u"."n")
                        FROM unnest($1, $2, $3) WITH ORDINALITY AS "u"("id", "outcome", "lead", "n")
                            LEFT JOIN "linked" ON "linked"."raw_id" = "u"."id"
                        $link$
                    INTO "result_ids", "result_outcomes", "result_leads"
                    USING "result_ids", "result_outcomes", "result_leads";
                END IF;

                COMMIT;
            END
            $procedure$
            """#
        ],
        sqlite: []
    )
}
