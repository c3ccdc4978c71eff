import LeadCore
import Testing

/// `jsonText` feeds PostgreSQL `jsonb` columns, so it must be valid JSON that `jsonb` accepts for any value a sender
/// can produce.
@Suite struct JSONValueTextTests {
    @Test(
        arguments: [
            (JSONValue.null, "null"),
            (.bool(true), "true"),
            (.bool(false), "false"),
            (.number("1.50"), "1.50"),
            (.number("-0"), "-0"),
            (.number("12345678901234567890"), "12345678901234567890"),
            (.string(""), #""""#),
            (.array([]), "[]"),
            (.object([]), "{}"),
            (
                .object([("a", .array([.number("1"), .bool(true), .null])), ("b", .object([])), ("a", .string("again"))]),
                #"{"a":[1,true,null],"b":{},"a":"again"}"#
            ),
        ]
    )
    func writesCompactJSON(value: JSONValue, expected: String) {
        #expect(value.jsonText == expected)
    }

    @Test(
        arguments: [
            ("quote \" backslash \\ slash /", #""quote \" backslash \\ slash /""#),
            ("\n\r\t", #""\n\r\t""#),
            ("\u{8}\u{C}\u{1}\u{1F}", #""\u0008\u000c\u0001\u001f""#),
            ("é😀\u{7F}\u{2028}", "\"é😀\u{7F}\u{2028}\""),
        ]
    )
    func escapesStrings(text: String, expected: String) {
        #expect(JSONValue.string(text).jsonText == expected)
    }

    /// `jsonb` rejects `\u0000`; dropping it from keys and values is what keeps such a lead insertable.
    @Test func dropsNUL() {
        let value = JSONValue.object([("k\u{0}ey", .array([.string("a\u{0}b"), .string("\u{0}")]))])
        #expect(value.jsonText == #"{"key":["ab",""]}"#)
    }

    /// PostgreSQL's `numeric` refuses such numbers; as strings they keep their exact text and the insert succeeds.
    @Test(arguments: ["1e999999", "-2.5E+100000", "1e-1000000", String(repeating: "9", count: 1001)])
    func writesHugeNumbersAsStrings(literal: String) {
        #expect(JSONValue.number(literal).jsonText == "\"\(literal)\"")
    }

    @Test(arguments: ["1e308", "1E-999", "2.5e+10", String(repeating: "9", count: 1000)])
    func keepsNumbersNumericCanHold(literal: String) {
        #expect(JSONValue.number(literal).jsonText == literal)
    }

    /// Whatever a sender wrote, the text read back is the same document (minus NUL and huge numbers).
    @Test(
        arguments: [
            #"{"a":[1,2.50,-0,1e5],"b":{"c":null,"d":true},"e":"\"\\\n\u0001é😀"}"#,
            #"[[],{},"",0]"#,
        ]
    )
    func roundTripsThroughTheParser(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(value.jsonText) == value)
    }
}
