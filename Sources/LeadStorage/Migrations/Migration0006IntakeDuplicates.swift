extension Migration {
    /// The intake procedure of migration 4, writing a duplicate's raw row once: the holders of keys that were
    /// already taken are found right after the leads go in, so every raw row is inserted with its final outcome
    /// (the first version inserted such a row as `failed` and updated it, two writes of the row and its indexes).
    ///
    /// The holders are looked up by a statement planned afresh (`EXECUTE`), so a lookup by key is never a plan
    /// cached while the table was small. Same signature and answer as before.
    static let intakeDuplicatesOnce = Migration(
        version: 6,
        name: "intake procedure writes a duplicate's raw row once",
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
                    EXECUTE $holders$
                        SELECT array_agg("b"."id"), array_agg("h"."id")
                        FROM unnest($1, $2, $3) AS "b"("id", "k", "is_lead")
                            JOIN "leads" AS "h" ON leadcrm_key_digest("h"."idempotency_key") = leadcrm_key_digest("b"."k")
                        WHERE "b"."is_lead" AND "b"."k" IS NOT NULL AND NOT "b"."id" = ANY($4)
                    $holders$
                    INTO "taken_ids", "holders"
                    USING $1, $18, $3, "inserted";
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
