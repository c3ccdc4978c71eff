import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// SQLite's log is copied into the database file beside intake's writer, while leads come in.
@Suite struct SQLiteCheckpointTests {
    @Test func theStoreCheckpointsBesideIntakeWhileLeadsComeIn() async throws {
        try await TestDatabase.with(.sqlite) { db in
            let store = try #require(db.store as? SQLiteLeadStore)
            let running = Task { await store.checkpointWhileLeadsComeIn(every: .milliseconds(10), idleInterval: .milliseconds(20)) }
            defer { running.cancel() }
            try await Task.sleep(for: .milliseconds(100))
            #expect(store.checkpointer.passes.load(ordering: .relaxed) == 0, "no leads, no checkpoints")

            for index in 0..<20 {
                _ = try await store.record(.fixture(#"{"email":"log\#(index)@example.com"}"#))
            }
            var passes = 0
            for _ in 0..<200 where passes == 0 {
                try await Task.sleep(for: .milliseconds(10))
                passes = store.checkpointer.passes.load(ordering: .relaxed)
            }
            #expect(passes > 0)
            running.cancel()
            await running.value

            // Everything committed is in the database file: a checkpoint now finds every page of the log copied.
            let state = try #require(try await store.checkpointer.checkpoint())
            #expect(state.logPages > 0)
            #expect(state.copiedPages == state.logPages)
            let rows = try await store.rows(#"SELECT count(*) AS "n" FROM "leads""#)
            #expect(rows.first?.column("n")?.integer == 20)
        }
    }

    @Test func aClosedStoreNoLongerCheckpoints() async throws {
        try await TestDatabase.with(.sqlite) { db in
            let store = try #require(db.store as? SQLiteLeadStore)
            _ = try await store.record(.fixture(#"{"email":"closed@example.com"}"#))
            store.checkpointer.close()
            await #expect(throws: SQLiteIntakeWriter.Failure.self) { _ = try await store.checkpointer.checkpoint() }
        }
    }
}
