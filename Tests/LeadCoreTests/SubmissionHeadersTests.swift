import Foundation
import LeadCore
import Testing

@Suite struct SubmissionHeadersTests {
    /// A blank key kept as a key would make every keyless sender a duplicate of the first one.
    @Test(arguments: [nil, "", " ", "   ", "\t", " \t ", "\u{0}", " \u{0} "] as [String?])
    func treatsABlankIdempotencyKeyAsNone(key: String?) {
        #expect(SubmissionHeaders(idempotencyKey: key).idempotencyKey == nil)
    }

    @Test(arguments: [("abc", "abc"), (" abc ", "abc"), ("a\u{0}b", "ab"), ("\u{0}key\u{0}", "key"), ("a b", "a b")])
    func keepsANonBlankIdempotencyKey(key: String, expected: String) {
        #expect(SubmissionHeaders(idempotencyKey: key).idempotencyKey == expected)
    }

    /// Keys are trimmed of exactly what Foundation's `CharacterSet.whitespaces` holds, for every scalar of the Basic
    /// Multilingual Plane: at either end, alone, and inside the key (where it stays).
    @Test func trimsTheBlanksFoundationTrims() {
        var differences: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let blank = String(Character(scalar))
            for text in [blank + "k" + blank, blank, "k" + blank + "k", blank + blank + "k"]
            where text.trimmingBlanks() != text.trimmingCharacters(in: .whitespaces) {
                differences.append(String(value, radix: 16))
            }
        }
        #expect(differences.isEmpty)
    }

    @Test func cleansNULFromEveryHeader() {
        let headers = SubmissionHeaders(
            contentType: "application/json\u{0}",
            userAgent: "curl\u{0}/8",
            idempotencyKey: "k\u{0}",
            requestID: "\u{0}r-1",
            forwardedFor: "10.0.0.1,\u{0} 10.0.0.2"
        )
        let expected = SubmissionHeaders(
            contentType: "application/json",
            userAgent: "curl/8",
            idempotencyKey: "k",
            requestID: "r-1",
            forwardedFor: "10.0.0.1, 10.0.0.2"
        )
        #expect(headers == expected)
    }

    @Test func keepsAbsentHeadersAbsent() {
        let headers = SubmissionHeaders()
        #expect(headers.contentType == nil && headers.userAgent == nil && headers.requestID == nil && headers.forwardedFor == nil)
    }

    @Test func writesTheRawIDInLowerCase() throws {
        let id = try #require(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
        #expect(RawSubmission(id: id, body: []).idText == "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")
    }
}
