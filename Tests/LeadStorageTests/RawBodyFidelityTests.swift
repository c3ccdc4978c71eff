import Foundation
import LeadCore
import LeadTestSupport
import Testing

/// What PostgreSQL's `text` and `jsonb` refuse (NUL, invalid UTF-8) must neither fail the insert nor change the body.
@Suite struct RawBodyFidelityTests {
    static let body: [UInt8] =
        Array(#"{"email":"a\u0000b@example.com","first_name":"J"#.utf8) + [0xFF]
        + Array(#"o\u0000","utm\u0000id":"x\u0000y","note":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)

    @Test(arguments: Backend.available)
    func keepsTheBodyExactAndTheLeadFreeOfNUL(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let submission = RawSubmission.fixture(Self.body, key: "key-nul")
            #expect(try await db.store.record(submission) == .stored(leadID: submission.idText))

            #expect(try await db.store.requireSubmission(submission).body == Self.body)
            let lead = try #require(try await db.store.lead(id: submission.idText))
            #expect(lead.fields == [.email: "ab@example.com", .firstName: "J\u{FFFD}o", .description: "\u{FFFD}("])
            let texts = Array(lead.fields.values) + [lead.extra ?? "", lead.idempotencyKey ?? ""]
            #expect(texts.allSatisfy { !$0.unicodeScalars.contains("\u{0}") })
            #expect(try jsonMembers(lead.extra) == ["utmid": .string("xy")])
        }
    }

    /// A btree entry holds at most about 2.7 kB; an indexed column (`email`, `phone`) must take a longer value anyway.
    @Test(arguments: Backend.available)
    func storesAValueTooLongForAnIndex(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            // UUIDs do not compress, so PostgreSQL cannot squeeze the value under the limit.
            let long = (0..<300).map { _ in UUID().uuidString }.joined()
            let submission = RawSubmission.fixture(#"{"email":"\#(long)","phone":"\#(long)"}"#, key: "key-long")
            let result = try await db.store.record(submission)
            #expect(result == .stored(leadID: submission.idText))
            #expect(try await db.store.lead(id: submission.idText) != nil)
        }
    }
}
