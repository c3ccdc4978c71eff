import Foundation
import LeadCore
import PostgresNIO

/// Times cross the wire as microseconds computed from a `Date` (a binary fraction), so a millisecond read back can
/// arrive a microsecond early. The queries round bound times to the milliseconds the columns hold, so paging with a
/// cursor never returns a row twice.
extension PostgresLeadStore {
    public func submissions(matching selection: ReplaySelection, after cursor: ReplayCursor?, limit: Int) async throws -> [StoredSubmission] {
        let outcomes = selection.outcomes.map(\.rawValue)
        return try await self.perform(deadline: .seconds(60)) { client in
            let rows = try await client.query(
                """
                WITH "bounds" AS (
                    SELECT date_trunc('milliseconds', \(selection.since)::timestamp + interval '0.5 ms') AS "since",
                        date_trunc('milliseconds', \(selection.until)::timestamp + interval '0.5 ms') AS "until",
                        date_trunc('milliseconds', \(cursor?.receivedAt)::timestamp + interval '0.5 ms') AS "after_time",
                        \(cursor?.id)::text AS "after_id")
                SELECT \(unescaped: Self.submissionColumns) FROM "leads_raw", "bounds"
                WHERE "outcome" = ANY(\(outcomes)) AND "erased_at" IS NULL
                    AND ("bounds"."since" IS NULL OR "createdAt" >= "bounds"."since")
                    AND ("bounds"."until" IS NULL OR "createdAt" < "bounds"."until")
                    AND ("bounds"."after_time" IS NULL OR ("createdAt", "id") > ("bounds"."after_time", "bounds"."after_id"))
                ORDER BY "createdAt", "id"
                LIMIT \(limit)
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

    public func countSubmissions(matching selection: ReplaySelection) async throws -> Int {
        let outcomes = selection.outcomes.map(\.rawValue)
        return try await self.perform(deadline: .seconds(60)) { client in
            let rows = try await client.query(
                """
                WITH "bounds" AS (
                    SELECT date_trunc('milliseconds', \(selection.since)::timestamp + interval '0.5 ms') AS "since",
                        date_trunc('milliseconds', \(selection.until)::timestamp + interval '0.5 ms') AS "until")
                SELECT count(*) FROM "leads_raw", "bounds"
                WHERE "outcome" = ANY(\(outcomes)) AND "erased_at" IS NULL
                    AND ("bounds"."since" IS NULL OR "createdAt" >= "bounds"."since")
                    AND ("bounds"."until" IS NULL OR "createdAt" < "bounds"."until")
                """,
                logger: self.logger
            )
            for try await count in rows.decode(Int.self) {
                return count
            }
            return 0
        }
    }
}
