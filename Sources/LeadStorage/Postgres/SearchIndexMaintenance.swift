import LeadCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps the lead search index's pending list short, away from intake.
///
/// A GIN index (the trigram search index of migration 5) collects new entries in a pending list; the insert that
/// finds the list over `gin_pending_list_limit` merges it into the index itself — tens of milliseconds in which its
/// whole batch of requests waits. Migration 7 raises the index's limit, and this service merges the list every
/// `interval` while leads come in, on a connection of its own, so no intake transaction does that work.
/// Several leadcrm instances may run it against one database: PostgreSQL lets one merge at a time.
///
/// It runs until shutdown whatever happens: a service that returns early would end the whole server. Without the
/// index (no `pg_trgm`, or dropped by an operator) it looks again every `recheck` while leads come in; if a merge
/// fails otherwise (say, the database user may not merge that index) it logs that once and leaves the list to intake.
public struct SearchIndexMaintenance: Service {
    let store: PostgresLeadStore
    let interval: Duration
    let recheck: Duration
    let logger: Logger

    public init(store: PostgresLeadStore, interval: Duration = .milliseconds(250), recheck: Duration = .seconds(60), logger: Logger) {
        self.store = store
        self.interval = interval
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
        var seen = self.store.intakeActivity.count
        var nextLook = ContinuousClock.now
        while true {
            do {
                try await Task.sleep(for: self.interval)
            } catch {
                return
            }
            let count = self.store.intakeActivity.count
            guard count != seen, ContinuousClock.now >= nextLook else { continue }
            seen = count
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
