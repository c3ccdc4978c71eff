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

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func theServiceMergesWhileLeadsComeIn() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            let service = SearchIndexMaintenance(store: store, interval: .milliseconds(20), logger: Logger(label: "test"))
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await Self.recordLeads(20, prefix: "service", in: db)
            try await Task.sleep(for: .milliseconds(300))
            running.cancel()
            _ = try? await running.value
            #expect(try await store.mergeSearchIndexPendingList() == 0, "the service merged what intake left")
        }
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func withoutTheSearchIndexThereIsNothingToMerge() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            try await db.execute([#"DROP INDEX "leads_search_trgm_idx""#])
            #expect(try await store.mergeSearchIndexPendingList() == nil)
            let service = SearchIndexMaintenance(store: store, interval: .milliseconds(10), logger: Logger(label: "test"))
            let running = Task { try await service.run() }
            try await Self.recordLeads(1, prefix: "none", in: db)
            // With no index the service ends by itself (soon after the first lead) instead of asking again and again.
            let deadline = ContinuousClock.now + .seconds(10)
            let ended = Task {
                try await running.value
                return ContinuousClock.now < deadline
            }
            let watchdog = Task {
                try await Task.sleep(until: deadline)
                running.cancel()
            }
            defer { watchdog.cancel() }
            #expect(try await ended.value, "the service ended without being cancelled")
        }
    }
}
