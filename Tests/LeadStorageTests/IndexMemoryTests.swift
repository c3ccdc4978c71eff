import Foundation
import LeadTestSupport
import Testing

@testable import LeadStorage

@Suite struct IndexMemoryTests {
    static let megabyte: Int64 = 1 << 20

    @Test func fitsWhileBothIndexesTogetherFitInSharedBuffers() {
        let memory = IndexMemory(sharedBuffers: 128 * Self.megabyte, keyIndex: 60 * Self.megabyte, searchIndex: 68 * Self.megabyte)
        #expect(!memory.isOutgrown)
        #expect(!IndexMemory(sharedBuffers: 128 * Self.megabyte, keyIndex: 0, searchIndex: 0).isOutgrown)
    }

    /// A million leads as `scripts/bench-crm` seeds them: 146 MB of the two indexes against the default 128 MB.
    @Test func outgrownByAMillionLeadsUnderTheDefault() {
        let memory = IndexMemory(sharedBuffers: 128 * Self.megabyte, keyIndex: 56 * Self.megabyte, searchIndex: 90 * Self.megabyte)
        #expect(memory.isOutgrown)
        #expect(memory.suggestedSharedBuffers == 256 * Self.megabyte)
        #expect(memory.fix == "ALTER SYSTEM SET shared_buffers = '256MB' (then restart PostgreSQL)")
    }

    /// Ten million: 563 MB + 716 MB, with a quarter to spare is 1,599 MB, rounded up to whole 128 MB.
    @Test func suggestsBothIndexesAndAQuarterInWhole128MB() {
        let memory = IndexMemory(sharedBuffers: 128 * Self.megabyte, keyIndex: 563 * Self.megabyte, searchIndex: 716 * Self.megabyte)
        #expect(memory.suggestedSharedBuffers == 1664 * Self.megabyte)
        #expect(IndexMemory(sharedBuffers: 0, keyIndex: 1, searchIndex: 0).suggestedSharedBuffers == 128 * Self.megabyte)
    }

    @Test func namesSizesInWholeMegabytesOrKilobytesRoundedUp() {
        #expect(IndexMemory.size(0) == "0 kB")
        #expect(IndexMemory.size(8192) == "8 kB")
        #expect(IndexMemory.size(131_072) == "128 kB")
        #expect(IndexMemory.size(Self.megabyte - 1) == "1024 kB")
        #expect(IndexMemory.size(Self.megabyte) == "1 MB")
        #expect(IndexMemory.size(Self.megabyte + 1) == "2 MB")
        #expect(IndexMemory.size(128 * Self.megabyte) == "128 MB")
    }

    /// The sizes PostgreSQL reports for a migrated database: its `shared_buffers` in bytes, and both indexes (each at
    /// least a page) found on the store's search path.
    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func readsSharedBuffersAndTheIndexesOfAMigratedDatabase() async throws {
        try await TestDatabase.with(.postgres) { db in
            let store = try #require(db.store as? PostgresLeadStore)
            let memory = try #require(try await store.indexMemory())
            var shown: Int64?
            for try await bytes in try await store.client.query("SELECT pg_size_bytes(current_setting('shared_buffers'))::int8")
                .decode(Int64.self)
            {
                shown = bytes
            }
            #expect(memory.sharedBuffers == shown)
            #expect(memory.keyIndex >= 8192)
            #expect(memory.searchIndex >= 8192)
            #expect(!memory.isOutgrown)
        }
    }
}
