extension Migration {
    /// The intake procedure of migration 6, looking up the holder of a taken key inside the statement that writes
    /// the raw rows: a subquery on the key's unique index, run only for a request whose lead was not inserted.
    ///
    /// Migration 6 did that in a statement of its own, built and planned afresh for every batch (`EXECUTE`) so that
    /// a join with the batch could never keep a plan made while the table was small. A subquery for one key has no
    /// join to get wrong: it is a lookup in the key's unique index at any table size, as a scan would compute the
    /// digest of every row, which the planner prices above the lookup once the table has a few dozen rows. So the
    /// procedure's plan is kept. In a loop, looking up 15 keys took 154 µs as `EXECUTE` and 66 µs with a kept plan;
    /// at 32 connections on repeated keys, 4% more requests/s. Same signature and answer as before.
    static let intakeHoldersInline = Migration(
        version: 9,
        name: "intake procedure looks up key holders in the raw rows' statement",
        postgres: [
            #"""
            CREATE OR REPLACE PROCEDURE leadcrm_intake_batch(
                text[], timestamptz[], bool[], text[], text[], text[], text[], text[], text[], text[], text[], text[],
                text[], text[], text[], text[], text[], text[], text[], text[], bytea[], bool[], text[], text[], text[],
                text[], text[],
                INOUT "result_ids" text[], INOUT "result_outcomes" text[], INOUT "result_leads" text[])
            LANGUAGE plpgsql AS $procedure$
            DECLARE
                "inserted" text[];
            BEGIN
                WITH "b" AS (
                    SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                        $19, $20)
                        WITH ORDINALITY AS "b"("id", "t", "is_lead", "click_id", "country", "creo", "description", "domain",
                        "email", "first_name", "last_name", "ip", "lang", "marker", "offer", "phone", "sourcetype", "k", "r",
                        "extra", "n")
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
                )
                SELECT coalesce(array_agg("id"), '{}') INTO "inserted" FROM "ins";

                WITH "b" AS (
                    SELECT * FROM unnest($1, $2, $3, $18, $19, $21, $22, $23, $24, $25, $26, $27)
                        WITH ORDINALITY AS "b"("id", "t", "is_lead", "k", "r", "body", "truncated", "content_type",
                        "user_agent", "forwarded_for", "client_ip", "body_error", "n")
                ),
                "s" AS (SELECT * FROM unnest("inserted") AS "s"("id")),
                "o" AS (
                    SELECT "b".*, "s"."id" AS "stored",
                        CASE WHEN "b"."is_lead" AND "s"."id" IS NULL AND "b"."k" IS NOT NULL THEN (
                            SELECT "h"."id" FROM "leads" AS "h"
                            WHERE leadcrm_key_digest("h"."idempotency_key") = leadcrm_key_digest("b"."k")
                        ) END AS "holder"
                    FROM "b" LEFT JOIN "s" ON "s"."id" = "b"."id"
                ),
                "raw" AS (
                    INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated",
                        "outcome", "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
                    SELECT "id", "t", "k", "r", "body", "truncated",
                        CASE WHEN NOT "is_lead" THEN 'invalid' WHEN "stored" IS NOT NULL THEN 'stored'
                            WHEN "holder" IS NOT NULL THEN 'duplicate' ELSE 'failed' END,
                        CASE WHEN NOT "is_lead" THEN NULL ELSE coalesce("stored", "holder") END,
                        "client_ip", "content_type", "user_agent", "forwarded_for",
                        CASE WHEN NOT "is_lead" THEN "body_error"
                            WHEN "stored" IS NULL AND "holder" IS NULL THEN 'its key is held by another lead that was not found' END
                    FROM "o"
                    ORDER BY "n"
                    RETURNING "id", "outcome", "lead_id"
                )
                SELECT coalesce(array_agg("id"), '{}'), coalesce(array_agg("outcome"), '{}'),
                    coalesce(array_agg(coalesce("lead_id", '')), '{}')
                INTO "result_ids", "result_outcomes", "result_leads"
                FROM "raw";

                COMMIT;
            END
            $procedure$
            """#
        ],
        sqlite: []
    )
}
