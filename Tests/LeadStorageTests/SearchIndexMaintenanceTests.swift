import LeadCore
import LeadTestSupport
import Logging
import Testing

@testable import LeadStorage

/// The search index's pending list is merged by leadcrm, away from intake (PostgreSQL only: SQLite has no GIN index).
@Suite struct SearchIndexMaintenanceTests {
    static func recordLeads(_ count: Int, prefix: String, in db: TestDatabase) async throws {
        for index in 0..<count {
            let submission = RawSubmission.fixture(
                #"{"email":"\#(prefix)\#(index)@example.com","phone":"+4915\#(index)","first_name":"Name\#(index)"}"#,
                key: "\(prefix)-\(index)"
            )
            _ = try await db.store.record(submission)
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func intakeLeavesEntriesInThePendingListAndAMergeEmptiesIt() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            #expect(try await store.mergeSearchIndexPendingList() == 0)
            try await Self.recordLeads(20, prefix: "merge", in: db)
            let merged = try #require(try await store.mergeSearchIndexPendingList(), "the test database has the search index")
            #expect(merged > 0)
            #expect(try await store.mergeSearchIndexPendingList() == 0)
            // Merged entries are found through the index.
            let crm = try #require(SQLCRMStore(behind: store))
            var filter = LeadFilter()
            filter.search = "merge17"
            let found = try await crm.leads(matching: filter, order: .descending, after: nil, limit: 10)
            #expect(found.map { $0.lead.fields[.email] } == ["merge17@example.com"])
        }
    }

    /// Runs the service while 20 leads come in (or after they came in), then stops it; the pages it left in the
    /// pending list.
    static func pagesLeftAfterTwentyLeads(
        requestsPerMerge: Int,
        maxWait: Duration,
        prefix: String,
        beforeTheServiceStarts: Bool = false
    ) async throws -> Int? {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            if beforeTheServiceStarts {
                try await Self.recordLeads(20, prefix: prefix, in: db)
            }
            let service = SearchIndexMaintenance(
                store: store,
                requestsPerMerge: requestsPerMerge,
                maxWait: maxWait,
                poll: .milliseconds(10),
                idlePoll: .milliseconds(10),
                logger: Logger(label: "test")
            )
            let running = Task { try await service.run() }
            defer { running.cancel() }
            if !beforeTheServiceStarts {
                try await Self.recordLeads(20, prefix: prefix, in: db)
            }
            // Time for the service to notice and merge while the whole suite runs on two cores: after 300 ms it
            // once still had its merge under way, and stopping it cancelled that merge (2 pages left).
            try await Task.sleep(for: .seconds(2))
            running.cancel()
            _ = try? await running.value
            return try await store.mergeSearchIndexPendingList()
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func theServiceMergesWhileLeadsComeIn() async throws {
        let left = try await Self.pagesLeftAfterTwentyLeads(requestsPerMerge: 1000, maxWait: .milliseconds(20), prefix: "service")
        #expect(left == 0, "the service merged what intake left once its wait was over")
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func theServiceMergesOnceEnoughRequestsCameInWithoutWaitingLonger() async throws {
        let left = try await Self.pagesLeftAfterTwentyLeads(requestsPerMerge: 20, maxWait: .seconds(3600), prefix: "count")
        #expect(left == 0, "twenty requests were enough for a merge")
    }

    /// Requests written before the service started (or while its task was still being scheduled) are in the pending
    /// list too, so they count towards its first merge.
    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func requestsWrittenBeforeTheServiceStartedCountTowardsItsFirstMerge() async throws {
        let left = try await Self.pagesLeftAfterTwentyLeads(
            requestsPerMerge: 20,
            maxWait: .seconds(3600),
            prefix: "early",
            beforeTheServiceStarts: true
        )
        #expect(left == 0, "the twenty requests before the start were enough for a merge")
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func fewerRequestsThanAMergeTakesWaitForTheLongestWait() async throws {
        let left = try #require(
            try await Self.pagesLeftAfterTwentyLeads(requestsPerMerge: 1000, maxWait: .seconds(3600), prefix: "few"),
            "the test database has the search index"
        )
        #expect(left > 0, "twenty requests of a thousand, and an hour's wait: nothing merged yet")
    }

    /// Without the index there is nothing to merge, and the service still runs until shutdown: a service that
    /// returns ends the whole server (its `ServiceGroup`). It looks for the index again later, and merges once it is
    /// back.
    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func withoutTheSearchIndexTheServiceWaitsForItInsteadOfEnding() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            var createIndex: String?
            let rows = try await store.client.query("SELECT pg_get_indexdef('leads_search_trgm_idx'::regclass)")
            for try await definition in rows.decode(String.self) { createIndex = definition }
            let recreate = try #require(createIndex, "the test database has the search index")
            try await db.execute([#"DROP INDEX "leads_search_trgm_idx""#])
            #expect(try await store.mergeSearchIndexPendingList() == nil)
            let service = SearchIndexMaintenance(
                store: store,
                maxWait: .milliseconds(10),
                poll: .milliseconds(10),
                idlePoll: .milliseconds(10),
                recheck: .milliseconds(100),
                logger: Logger(label: "test")
            )
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await Self.recordLeads(1, prefix: "none", in: db)
            try await Task.sleep(for: .milliseconds(300))
            // Still running after finding no index; then the index comes back, and leads with it.
            try await db.execute([recreate])
            try await Self.recordLeads(20, prefix: "back", in: db)
            try await Task.sleep(for: .milliseconds(400))
            running.cancel()
            try await running.value  // ends when cancelled
            #expect(try await store.mergeSearchIndexPendingList() == 0, "the service merged once the index was back")
        }
    }
}
