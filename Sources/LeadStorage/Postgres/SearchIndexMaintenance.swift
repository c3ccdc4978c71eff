import LeadCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps the lead search index's pending list short, away from intake.
///
/// A GIN index (the trigram search index of migration 5) collects new entries in a pending list; the insert that
/// finds the list over `gin_pending_list_limit` merges it into the index itself — tens of milliseconds in which its
/// whole batch of requests waits. Migration 7 raises the index's limit to 8 MB, and this service merges the list on
/// a connection of its own, so no intake transaction does that work: once `requestsPerMerge` intake requests came in
/// since the last merge (about 1 KB of list each), or `maxWait` after it when fewer came. A merge of a few thousand
/// leads costs PostgreSQL less per lead than several small ones, and takes a core away from intake less often.
/// Several leadcrm instances may run it against one database: PostgreSQL lets one merge at a time.
///
/// It runs until shutdown whatever happens: a service that returns early would end the whole server. Without the
/// index (no `pg_trgm`, or dropped by an operator) it looks again every `recheck` while leads come in; if a merge
/// fails otherwise (say, the database user may not merge that index) it logs that once and leaves the list to intake.
public struct SearchIndexMaintenance: Service {
    let store: PostgresLeadStore
    let requestsPerMerge: Int
    let maxWait: Duration
    let poll: Duration
    let idlePoll: Duration
    let recheck: Duration
    let logger: Logger

    public init(
        store: PostgresLeadStore,
        requestsPerMerge: Int = 4000,
        maxWait: Duration = .seconds(1),
        poll: Duration = .milliseconds(50),
        idlePoll: Duration = .milliseconds(250),
        recheck: Duration = .seconds(60),
        logger: Logger
    ) {
        self.store = store
        self.requestsPerMerge = max(1, requestsPerMerge)
        self.maxWait = maxWait
        self.poll = poll
        self.idlePoll = idlePoll
        self.recheck = recheck
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.mergeWhileLeadsComeIn()
        }
    }

    /// Returns when cancelled (on shutdown) and only then.
    private func mergeWhileLeadsComeIn() async {
        let activity = self.store.intakeActivity
        // Requests written before the service started count towards the first merge: their entries wait in the
        // pending list as well.
        var merged = 0
        var seen = merged
        var lastMerge = ContinuousClock.now
        var nextLook = lastMerge
        while true {
            do {
                // While no leads come in, a look every `idlePoll` is enough.
                try await Task.sleep(for: activity.requestCount == seen ? self.idlePoll : self.poll)
            } catch {
                return
            }
            let requests = activity.requestCount
            seen = requests
            let now = ContinuousClock.now
            guard requests != merged, now >= nextLook,
                requests - merged >= self.requestsPerMerge || now - lastMerge >= self.maxWait
            else { continue }
            (merged, lastMerge) = (requests, now)
            do {
                if try await self.store.mergeSearchIndexPendingList() == nil {
                    self.logger.debug("no search index to merge; looking again later", metadata: ["recheck": "\(self.recheck)"])
                    nextLook = ContinuousClock.now + self.recheck
                }
            } catch LeadStoreError.unavailable(let reason) {
                self.logger.debug("search index maintenance skipped: the database is away", metadata: ["error": "\(reason)"])
            } catch {
                self.logger.warning(
                    "search index maintenance stops; intake merges the index's pending list itself",
                    metadata: ["error": "\(operatorDescription(of: error))"]
                )
                // Nothing more to do here, but returning would end the server: wait for shutdown.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(3600))
                }
                return
            }
        }
    }
}

extension PostgresLeadStore {
    /// Merges the search index's pending list into the index. Returns the number of pending-list pages merged, or
    /// `nil` when the database has no search index (`pg_trgm` was not available).
    public func mergeSearchIndexPendingList() async throws -> Int? {
        // A merge after a long pause can take a while; it holds no lock that intake waits for.
        try await self.perform(deadline: max(self.deadline, .seconds(30))) { client in
            let rows = try await client.query(
                """
                SELECT gin_clean_pending_list("index")::int8 FROM (SELECT to_regclass('leads_search_trgm_idx') AS "index") AS "s"
                WHERE "index" IS NOT NULL
                """,
                logger: self.logger
            )
            for try await pages in rows.decode(Int.self) {
                return pages
            }
            return nil
        }
    }
}
