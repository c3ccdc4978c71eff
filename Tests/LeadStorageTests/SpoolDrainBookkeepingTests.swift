import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// The spool's side of draining, without a database: batches come in append order across segments, drained
/// segments are deleted, and the key index lets go of keys that PostgreSQL now answers for.
@Suite(.timeLimit(.minutes(1)))
struct SpoolDrainBookkeepingTests {
    static let segmentBytes = 2048

    @Test func drainsSegmentsInAppendOrderAndRemovesThem() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let directory = directories[0]
            let submissions = SpoolFixtures.keyedLeads(30) + [SpoolFixtures.lead(30, key: "key-1000"), RawSubmission.fixture("[]")]
            let spool = try SpoolFixtures.open(directory, segmentBytes: Self.segmentBytes)
            defer { spool.close() }
            _ = try await SpoolFixtures.append(submissions, to: spool)
            #expect(try SpoolFixtures.journalFiles(in: directory).count >= 3)

            var drained: [RawSubmission] = []
            while let batch = try spool.nextBatch(maxBytes: 700) {
                try #require(!batch.submissions.isEmpty)
                let pendingBefore = spool.pendingCount
                try spool.markDrained(batch)
                drained += batch.submissions
                #expect(spool.pendingCount == pendingBefore - batch.submissions.count)
                // Keys of drained leads leave the index (PostgreSQL answers for them now); the others stay.
                for lead in submissions.prefix(30) {
                    let key = try #require(lead.headers.idempotencyKey)
                    #expect(spool.leadID(forKey: key) == (drained.contains(lead) ? nil : lead.idText))
                }
            }

            #expect(drained == submissions)
            #expect(spool.pendingCount == 0)
            #expect(spool.state.withLock { $0.keys.isEmpty })
            #expect(spool.state.withLock { $0.totalBytes } == 0)
            #expect(try SpoolFixtures.journalFiles(in: directory).count == 1)
        }
    }

    /// After a full drain the spool goes on working: new appends land in the one remaining file and survive a reopen.
    @Test func keepsWorkingAfterAFullDrain() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let directory = directories[0]
            let spool = try SpoolFixtures.open(directory, segmentBytes: Self.segmentBytes)
            _ = try await SpoolFixtures.append(SpoolFixtures.keyedLeads(20), to: spool)
            while let batch = try spool.nextBatch() { try spool.markDrained(batch) }
            let later = SpoolFixtures.lead(50, key: "key-1000")
            #expect(try await SpoolFixtures.append([later], to: spool) == [.queued(leadID: later.idText)])
            spool.close()

            let (pending, read) = try SpoolFixtures.reopenAndRead(directory)
            #expect(pending == 1)
            #expect(read == [later])
            #expect(try SpoolFixtures.journalFiles(in: directory).count == 1)
        }
    }

    /// A drained segment is deleted only as a whole: a crash after a partial drain re-delivers the rest of that
    /// segment (the drainer skips what PostgreSQL already has), never a segment already removed.
    @Test func reopeningAfterAPartialDrainRedeliversOnlyUnremovedSegments() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let directory = directories[0]
            let submissions = SpoolFixtures.keyedLeads(30)
            let spool = try SpoolFixtures.open(directory, segmentBytes: Self.segmentBytes)
            _ = try await SpoolFixtures.append(submissions, to: spool)
            let firstSegment = try #require(try spool.nextBatch(maxEntries: .max, maxBytes: .max))
            try spool.markDrained(firstSegment)
            let halfOfNext = try #require(try spool.nextBatch(maxBytes: 1))
            try spool.markDrained(halfOfNext)
            spool.close()

            let (pending, read) = try SpoolFixtures.reopenAndRead(directory)
            let remaining = Array(submissions.dropFirst(firstSegment.submissions.count))
            #expect(pending == remaining.count)
            #expect(read == Array(remaining.prefix(read.count)))
            #expect(read.first == remaining.first)
        }
    }
}
