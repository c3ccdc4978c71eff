import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// What a crash mid-write can leave at the end of the journal. None of it was acknowledged (acks follow the fsync),
/// so reopening cuts it and keeps every record before it.
enum TornTail: String, CaseIterable, CustomTestStringConvertible {
    case halfARecord
    case partialHeader
    case badChecksum
    case zeroFilled

    var testDescription: String { self.rawValue }

    var bytes: [UInt8] {
        let record = SpoolRecord.encode(SpoolFixtures.lead(99, key: "torn-key"))
        switch self {
        case .halfARecord: return Array(record.prefix(record.count / 2))
        case .partialHeader: return Array(record.prefix(5))
        case .badChecksum:
            var corrupted = record
            corrupted[corrupted.count - 3] ^= 0xFF
            return corrupted
        // A file system may leave zeros where a write did not land.
        case .zeroFilled: return [UInt8](repeating: 0, count: 64)
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct SpoolTornTailTests {
    @Test(arguments: TornTail.allCases)
    func cutsATornTailAndKeepsAppending(tail: TornTail) async throws {
        try await SpoolFixtures.withDirectories { directories in
            let directory = directories[0]
            let good = SpoolFixtures.keyedLeads(3)
            let spool = try SpoolFixtures.open(directory)
            _ = try await SpoolFixtures.append(good, to: spool)
            spool.close()
            let journal = try #require(try SpoolFixtures.journalFiles(in: directory).last)
            let goodSize = try Self.size(of: journal)
            try Self.appendBytes(tail.bytes, to: journal)

            let reopened = try SpoolFixtures.open(directory)
            #expect(reopened.pendingCount == good.count)
            #expect(try Self.size(of: journal) == goodSize)
            #expect(reopened.leadID(forKey: "torn-key") == nil)
            let later = [SpoolFixtures.lead(7, key: "after-tear-1"), SpoolFixtures.lead(8, key: "after-tear-2")]
            let results = try await SpoolFixtures.append(later, to: reopened)
            #expect(results == later.map { .queued(leadID: $0.idText) })
            reopened.close()

            let (pending, read) = try SpoolFixtures.reopenAndRead(directory)
            #expect(pending == good.count + later.count)
            #expect(read == good + later)
        }
    }

    static func size(of path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    static func appendBytes(_ bytes: [UInt8], to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }
}

/// `maxBytes` bounds the journal on disk: past it, appends are refused (intake answers 503) and health says so.
@Suite(.timeLimit(.minutes(1)))
struct SpoolCapacityTests {
    @Test func refusesAppendsBeyondMaxBytes() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let leads = SpoolFixtures.keyedLeads(4)
            let recordSize = SpoolFixtures.recordSize(leads[0])
            let spool = try SpoolFixtures.open(directories[0], maxBytes: 3 * recordSize)
            defer { spool.close() }

            #expect(try await SpoolFixtures.append(Array(leads.prefix(3)), to: spool).allSatisfy { $0.outcome == .queued })
            #expect(!spool.canAccept)
            await #expect(throws: Spool.SpoolError.full) { _ = try await SpoolFixtures.append([leads[3]], to: spool) }
            let rejected = RawSubmission.fixture("[]")
            await #expect(throws: Spool.SpoolError.full) { _ = try await SpoolFixtures.append([rejected], to: spool) }
            #expect(spool.pendingCount == 3)
            // A refused request promised nothing: its key is not held by the journal.
            #expect(spool.leadID(forKey: try #require(leads[3].headers.idempotencyKey)) == nil)
            #expect(try SpoolFixtures.journalFiles(in: directories[0]).map(SpoolTornTailTests.size(of:)).reduce(0, +) == 3 * recordSize)
        }
    }

    /// Once a lead has been refused for lack of room, `/health` must not say leads are accepted.
    @Test func cannotAcceptOnceALeadWasRefused() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let leads = SpoolFixtures.keyedLeads(4)
            let recordSize = SpoolFixtures.recordSize(leads[0])
            let spool = try SpoolFixtures.open(directories[0], maxBytes: 3 * recordSize + recordSize / 2)
            defer { spool.close() }

            _ = try await SpoolFixtures.append(Array(leads.prefix(3)), to: spool)
            await #expect(throws: Spool.SpoolError.full) { _ = try await SpoolFixtures.append([leads[3]], to: spool) }
            #expect(!spool.canAccept, "canAccept is true while a lead of the same size is refused as full")
        }
    }

    /// Concurrent appends must not all pass the size check before any of them is counted.
    @Test func neverGrowsPastMaxBytesUnderConcurrentAppends() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let leads = SpoolFixtures.keyedLeads(100)
            let maxBytes = 10 * SpoolFixtures.recordSize(leads[0])
            let spool = try SpoolFixtures.open(directories[0], maxBytes: maxBytes)
            defer { spool.close() }

            let accepted = await withTaskGroup(of: Bool.self) { group in
                for lead in leads {
                    group.addTask { (try? await spool.append(lead, as: SubmissionInterpretation(of: lead))) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }

            let onDisk = try SpoolFixtures.journalFiles(in: directories[0]).map(SpoolTornTailTests.size(of:)).reduce(0, +)
            #expect(accepted <= 10, "\(accepted) appends acknowledged with room for 10")
            #expect(onDisk <= maxBytes, "journal holds \(onDisk) bytes, maxBytes is \(maxBytes)")
            #expect(spool.pendingCount == accepted)
        }
    }

    @Test func acceptsAgainOnceDrained() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let leads = SpoolFixtures.keyedLeads(3)
            let spool = try SpoolFixtures.open(directories[0], maxBytes: 2 * SpoolFixtures.recordSize(leads[0]))
            defer { spool.close() }
            _ = try await SpoolFixtures.append(Array(leads.prefix(2)), to: spool)
            #expect(!spool.canAccept)

            try spool.markDrained(try #require(try spool.nextBatch()))

            #expect(spool.canAccept)
            #expect(try await SpoolFixtures.append([leads[2]], to: spool) == [.queued(leadID: leads[2].idText)])
        }
    }
}
