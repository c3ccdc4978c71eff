import LeadCore
import Testing

/// The grammar must be exactly as strict as `JSON.parse`: a body the old service rejected is rejected here too,
/// and one it accepted is accepted.
@Suite struct JSONParserGrammarTests {
    @Test(
        arguments: [
            ("{}", JSONValue.object([])),
            ("[]", .array([])),
            ("\"text\"", .string("text")),
            ("true", .bool(true)),
            ("false", .bool(false)),
            ("null", .null),
            ("0", .number("0")),
            ("-12.5e-3", .number("-12.5e-3")),
            (" \t\r\n{ \"a\" : [ 1 , true , null ] } \n", .object([("a", .array([.number("1"), .bool(true), .null]))])),
            (
                #"{"lead":{"email":"a@b.c","tags":["x",{"y":[]}]},"n":null}"#,
                .object([
                    ("lead", .object([("email", .string("a@b.c")), ("tags", .array([.string("x"), .object([("y", .array([]))])]))])),
                    ("n", .null),
                ])
            ),
        ]
    )
    func parsesEveryKindOfValue(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    /// A click id of `12345678901234567890` must not become `12345678901234567000`, and `1.50` is not `1.5`.
    @Test(arguments: ["12345678901234567890", "1.50", "-0", "1e5", "1E+05", "-0.0e-0", "123456789012345678901234567890.000"])
    func keepsNumberLiteralsExactly(literal: String) throws {
        #expect(try JSONParser.parse(literal) == .number(literal))
        #expect(try JSONParser.parse("{\"click_id\":\(literal)}") == .object([("click_id", .number(literal))]))
    }

    @Test func keepsDuplicateKeysInOrder() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value == .object([("a", .number("1")), ("b", .number("2")), ("a", .number("3"))]))
    }

    @Test func objectsCompareMemberOrder() {
        #expect(JSONValue.object([("a", .null), ("b", .null)]) != .object([("b", .null), ("a", .null)]))
    }

    @Test(
        arguments: [
            #"{"a":1,}"#, "[1,]", "[,1]", "{,}", #"{'a':1}"#, "['a']", "{a:1}", "hello", "tru", "nul", "True", "NaN", "Infinity",
            "undefined", #"{"a":"b"#, #"""#, #"{"a"}"#, #"{"a" 1}"#, "{1:2}", "[1 2]", #"{"a":1 "b":2}"#, "{", "[", "]",
            "01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "- 1", #""\x""#, #""\u12""#, #""\u12G4""#, #""\"#,
            "\"line\nbreak\"", "\"tab\there\"", "\"\u{1F}\"", "\"nul\u{0}\"",
        ]
    )
    func rejectsWhatJSONParseRejects(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test(arguments: ["", " ", " \t\r\n ", "\u{FEFF}", "\u{FEFF}  "])
    func rejectsAnEmptyBody(text: String) {
        #expect(throws: JSONParser.Failure.empty) { try JSONParser.parse(text) }
    }

    @Test(arguments: [("{} x", 3), ("{}{}", 2), ("1 2", 2), ("\"a\" \"b\"", 4), ("null,", 4), ("[]\u{0}", 2)])
    func rejectsTrailingContent(text: String, offset: Int) {
        #expect(throws: JSONParser.Failure.trailingContent(offset: offset)) { try JSONParser.parse(text) }
    }

    @Test func reportsWhereTheGrammarBroke() {
        #expect(throws: JSONParser.Failure.unexpected(offset: 7)) { try JSONParser.parse(#"{"a":1,}"#) }
        #expect(throws: JSONParser.Failure.unexpected(offset: 1)) { try JSONParser.parse("{'a':1}") }
    }

    /// A UTF-8 byte order mark is what some Windows senders put first; it is not part of the document.
    @Test func skipsAByteOrderMark() throws {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)
        #expect(try JSONParser.parse(body) == .object([("a", .number("1"))]))
    }

    /// Only at the very start: a second mark, or one after whitespace, is content the grammar does not allow.
    @Test(arguments: [[0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x7B, 0x7D], [0x20, 0xEF, 0xBB, 0xBF, 0x7B, 0x7D]] as [[UInt8]])
    func rejectsAMisplacedByteOrderMark(body: [UInt8]) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(body) }
    }
}
