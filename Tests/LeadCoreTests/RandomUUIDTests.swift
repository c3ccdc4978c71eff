import Foundation
import Testing

@testable import LeadCore

@Suite struct RandomUUIDTests {
    @Test func idsAreVersion4AndTheirTextIsFoundationsInLowercase() {
        for _ in 0..<1000 {
            let id = RandomUUID.make()
            let text = RandomUUID.lowercaseText(of: id)
            #expect(text == id.uuidString.lowercased())
            #expect(UUID(uuidString: text) == id)
            #expect(id.uuid.6 >> 4 == 4, "version 4")
            #expect(id.uuid.8 >> 6 == 0b10, "RFC 4122 variant")
        }
    }

    @Test func idsDoNotRepeatAcrossManyRefillsAndThreads() async {
        // 20,000 ids take the 4 KB buffer through dozens of refills, from several tasks at once.
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<5000).map { _ in RandomUUID.make() } }
            }
            return await group.reduce(into: [UUID]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 20_000)
        // Every hex digit shows up in every random position: the bytes are not stuck at a constant.
        let texts = ids.prefix(2000).map { RandomUUID.lowercaseText(of: $0) }
        for position in [0, 9, 14 + 1, 19 + 1, 35] {
            let digits = Set(texts.map { $0[$0.index($0.startIndex, offsetBy: position)] })
            #expect(digits.count == 16, "position \(position)")
        }
    }

    @Test func timeOrderedIdsCarryTheirMillisecondAndSortByIt() throws {
        let start = Date(timeIntervalSince1970: 1_764_115_200.5)
        let ids = (0..<50).map { RandomUUID.timeOrdered(at: start.addingTimeInterval(Double($0) / 64)) }
        for (index, id) in ids.enumerated() {
            #expect(id.uuid.6 >> 4 == 7, "version 7")
            #expect(id.uuid.8 >> 6 == 0b10, "RFC 9562 variant")
            let text = RandomUUID.lowercaseText(of: id)
            let milliseconds = try #require(UInt64(text.prefix(8) + text.dropFirst(9).prefix(4), radix: 16))
            #expect(milliseconds == 1_764_115_200_500 + UInt64(index * 1000 / 64))
        }
        // Their text sorts by time (what puts a batch's rows side by side in an index).
        let texts = ids.map { RandomUUID.lowercaseText(of: $0) }
        #expect(texts == texts.sorted())
        // Made in the same millisecond, they still differ.
        let same = (0..<1000).map { _ in RandomUUID.timeOrdered(at: start) }
        #expect(Set(same).count == 1000)
    }

    @Test func aSubmissionsIdIsTimeOrderedByItsArrival() {
        let received = Date(timeIntervalSince1970: 1_764_115_200.5)
        let submission = RawSubmission(receivedAt: received, body: [])
        #expect(submission.id.uuid.6 >> 4 == 7)
        #expect(submission.idText.hasPrefix("019abd75-b9f4-7"), "1,764,115,200,500 ms is 0x019abd75b9f4")
        #expect(submission.idText == submission.id.uuidString.lowercased())
    }

    @Test func knownBytesFormatAsExpected() {
        let id = UUID(uuid: (0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF))
        #expect(RandomUUID.lowercaseText(of: id) == "00112233-4455-6677-8899-aabbccddeeff")
    }
}
