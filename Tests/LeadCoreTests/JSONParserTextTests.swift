import LeadCore
import Testing

/// Text is read the way Node read it: a lead with a broken byte in it is still a lead, with U+FFFD in place of the
/// broken part.
@Suite struct JSONParserTextTests {
    @Test(
        arguments: [
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
            (#""caf\u00e9 \u00C9""#, "café É"),
            (#""a\u0000b""#, "a\u{0}b"),
            (#""\ud83d\ude00""#, "😀"),
            (#""\uD83D\uDE00!""#, "😀!"),
            (#""\ud83d""#, "\u{FFFD}"),
            (#""\ude00""#, "\u{FFFD}"),
            (#""\ud83dx""#, "\u{FFFD}x"),
            (#""\ud83d\u0041""#, "\u{FFFD}A"),
            (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
            (#""\ude00\ud83d""#, "\u{FFFD}\u{FFFD}"),
            ("\"é😀 raw\"", "é😀 raw"),
        ]
    )
    func decodesEscapesAndSurrogates(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    @Test(
        arguments: [
            ([0xFF], "\u{FFFD}"),
            ([0x61, 0xFF, 0x62], "a\u{FFFD}b"),
            ([0xC3], "\u{FFFD}"),
            ([0xE2, 0x82], "\u{FFFD}"),
            ([0xC3, 0x28], "\u{FFFD}("),
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),
            ([0xC3, 0xA9, 0x80], "é\u{FFFD}"),
        ] as [([UInt8], String)]
    )
    func replacesInvalidUTF8(inside bytes: [UInt8], expected: String) throws {
        let quote = UInt8(ascii: "\"")
        #expect(try JSONParser.parse([quote] + bytes + [quote]) == .string(expected))
    }

    /// A broken byte right before an escape must not swallow the escape, nor the escape the byte.
    @Test func replacesInvalidUTF8NextToEscapes() throws {
        let body: [UInt8] = [0x22, 0xE2, 0x5C, 0x6E, 0xFF, 0x22]
        #expect(try JSONParser.parse(body) == .string("\u{FFFD}\n\u{FFFD}"))
    }

    @Test func replacesInvalidUTF8InKeys() throws {
        let body: [UInt8] = Array(#"{"a"#.utf8) + [0xFF] + Array(#"":1}"#.utf8)
        #expect(try JSONParser.parse(body) == .object([("a\u{FFFD}", .number("1"))]))
    }

    /// A hostile body must fail like any other bad body, not by exhausting the stack.
    @Test(
        arguments: [
            String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
            String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000),
            String(repeating: "[", count: 10_000),
        ]
    )
    func rejectsDeepNesting(text: String) {
        #expect(throws: JSONParser.Failure.tooDeep) { try JSONParser.parse(text) }
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONParser.maximumDepth
        let atLimit = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONParser.parse(atLimit) }
        let overLimit = "[" + atLimit + "]"
        #expect(throws: JSONParser.Failure.tooDeep) { try JSONParser.parse(overLimit) }
    }
}
