extension Migration {
    /// The intake procedure of migration 6, looking up the holders of taken keys with a statement whose plan is
    /// kept, instead of one built and planned for every batch that has them.
    ///
    /// Migration 6 ran that lookup with `EXECUTE`, so that its join with the batch could never keep a plan made while
    /// the table was small (a hash join reading every lead). Here each key is looked up by a `LATERAL` subquery with
    /// `LIMIT 1`, which the planner cannot turn into such a join: it stays a lookup per key, in the key's unique
    /// index at any table size, as a scan would compute the digest of every row, which the planner prices above the
    /// lookup once the table has a few dozen rows. In a loop, looking up 15 keys took 154 µs as `EXECUTE` and 66 µs
    /// with a kept plan; at 32 connections on repeated keys, 7.7% more requests/s in interleaved runs, and no change
    /// on unique keys, whose batches skip the lookup as before. Same signature and answer as before.
    static let intakeHoldersPlanned = Migration(
        version: 9,
        name: "intake procedure looks up key holders with a kept plan",
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
                "taken_ids" text[];
                "holders" text[];
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

                IF cardinality("inserted") < (SELECT count(*) FROM unnest($3) AS "l"("is_lead") WHERE "is_lead") THEN
                    SELECT array_agg("b"."id"), array_agg("h"."id")
                    INTO "taken_ids", "holders"
                    FROM unnest($1, $18, $3) AS "b"("id", "k", "is_lead")
                        CROSS JOIN LATERAL (
                            SELECT "leads"."id" FROM "leads"
                            WHERE leadcrm_key_digest("leads"."idempotency_key") = leadcrm_key_digest("b"."k")
                            LIMIT 1
                        ) AS "h"
                    WHERE "b"."is_lead" AND "b"."k" IS NOT NULL AND NOT "b"."id" = ANY("inserted");
                END IF;

                WITH "b" AS (
                    SELECT * FROM unnest($1, $2, $3, $18, $19, $21, $22, $23, $24, $25, $26, $27)
                        WITH ORDINALITY AS "b"("id", "t", "is_lead", "k", "r", "body", "truncated", "content_type",
                        "user_agent", "forwarded_for", "client_ip", "body_error", "n")
                ),
                "s" AS (SELECT * FROM unnest("inserted") AS "s"("id")),
                "d" AS (SELECT * FROM unnest(coalesce("taken_ids", '{}'), coalesce("holders", '{}')) AS "d"("id", "holder")),
                "raw" AS (
                    INSERT INTO "leads_raw" ("id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated",
                        "outcome", "lead_id", "client_ip", "content_type", "user_agent", "forwarded_for", "error")
                    SELECT "b"."id", "t", "k", "r", "body", "truncated",
                        CASE WHEN NOT "is_lead" THEN 'invalid' WHEN "s"."id" IS NOT NULL THEN 'stored'
                            WHEN "d"."holder" IS NOT NULL THEN 'duplicate' ELSE 'failed' END,
                        CASE WHEN NOT "is_lead" THEN NULL WHEN "s"."id" IS NOT NULL THEN "s"."id" ELSE "d"."holder" END,
                        "client_ip", "content_type", "user_agent", "forwarded_for",
                        CASE WHEN NOT "is_lead" THEN "body_error"
                            WHEN "s"."id" IS NULL AND "d"."holder" IS NULL THEN 'its key is held by another lead that was not found' END
                    FROM "b" LEFT JOIN "s" ON "s"."id" = "b"."id" LEFT JOIN "d" ON "d"."id" = "b"."id"
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
