import LeadCore
import Testing

/// The normalizer never refuses a lead: the old service answered 500 forever to a sender whose `click_id` was a number.
@Suite struct LeadNormalizerTests {
    @Test(
        arguments: [
            (#"12345"#, "12345"),
            (#"12345678901234567890"#, "12345678901234567890"),
            (#"1.50"#, "1.50"),
            (#"-0"#, "-0"),
            (#"1e999999"#, "1e999999"),
            (#"true"#, "true"),
            (#"false"#, "false"),
            (#""text""#, "text"),
            (#""""#, ""),
            (#"[1,"a",null]"#, #"[1,"a",null]"#),
            (#"{"id":7,"src":["fb"]}"#, #"{"id":7,"src":["fb"]}"#),
        ]
    )
    func turnsEveryValueIntoText(json: String, expected: String) throws {
        let lead = try Self.normalize(#"{"click_id":"# + json + "}")
        #expect(lead[.clickID] == expected)
        #expect(lead.extra == nil)
    }

    @Test func leavesNullAsNoValue() throws {
        let lead = try Self.normalize(#"{"email":null,"phone":"1"}"#)
        #expect(lead == NormalizedLead(fields: [.phone: "1"]))
    }

    @Test(
        arguments: [
            ("first_name", LeadField.firstName), ("FirstName", .firstName), ("firstname", .firstName), ("FIRST-NAME", .firstName),
            ("last_name", .lastName), ("last-name", .lastName), ("Last Name", .lastName), ("surname", .lastName),
            ("clickId", .clickID), ("click-id", .clickID), ("clickid", .clickID), ("subid", .clickID),
            ("e-mail", .email), ("E_Mail", .email), ("email_address", .email), ("phone_number", .phone), ("PhoneNumber", .phone),
            ("tel", .phone), ("source_type", .sourcetype), ("country_code", .country), ("geo", .country), ("language", .lang),
            ("ip_address", .ip), ("offer_id", .offer), ("creative", .creo), ("comment", .description), ("site", .domain),
            ("tag", .marker),
        ]
    )
    func mapsAliasesToFields(key: String, field: LeadField) throws {
        let lead = try Self.normalize(#"{"\#(key)":"value"}"#)
        #expect(lead == NormalizedLead(fields: [field: "value"]))
    }

    /// The contract's own name is what the sender meant; the alias is kept in `extra`, not lost.
    @Test(
        arguments: [
            #"{"first_name":"Alias","firstName":"Exact"}"#,
            #"{"firstName":"Exact","first_name":"Alias"}"#,
        ]
    )
    func prefersTheExactNameOverAnAlias(text: String) throws {
        let lead = try Self.normalize(text)
        #expect(lead == NormalizedLead(fields: [.firstName: "Exact"], extra: #"{"first_name":"Alias"}"#))
    }

    @Test func prefersTheExactClickIDOverItsAliases() throws {
        let lead = try Self.normalize(#"{"clickId":"a","click_id":"exact","click-id":"b"}"#)
        #expect(lead == NormalizedLead(fields: [.clickID: "exact"], extra: #"{"clickId":"a","click-id":"b"}"#))
    }

    @Test func keepsTheFirstOfTwoAliases() throws {
        let lead = try Self.normalize(#"{"fname":"first","first_name":"second"}"#)
        #expect(lead == NormalizedLead(fields: [.firstName: "first"], extra: #"{"first_name":"second"}"#))
    }

    /// As in `JSON.parse`, the later of two exact keys wins; the raw body keeps both.
    @Test func keepsTheLastOfRepeatedExactKeys() throws {
        let lead = try Self.normalize(#"{"email":"old@x.y","email":"new@x.y"}"#)
        #expect(lead == NormalizedLead(fields: [.email: "new@x.y"]))
    }

    @Test func keepsUnknownMembersInExtra() throws {
        let lead = try Self.normalize(#"{"utm_source":"fb","email":"a@b.c","n":1.50,"nested":{"x":[true,null]},"utm_source":"again"}"#)
        #expect(lead[.email] == "a@b.c")
        #expect(lead.extra == #"{"utm_source":"fb","n":1.50,"nested":{"x":[true,null]},"utm_source":"again"}"#)
    }

    @Test func hasNoExtraWhenEveryMemberIsAField() throws {
        let lead = try Self.normalize(#"{"email":"a@b.c","phone":"+1 555","firstName":"Ann"}"#)
        #expect(lead.extra == nil)
        #expect(lead.fields.count == 3)
    }

    @Test func hasNoFieldsForAnEmptyObject() throws {
        #expect(try Self.normalize("{}") == NormalizedLead())
    }

    /// PostgreSQL `text` and `jsonb` reject NUL; the old service failed such inserts.
    @Test func neverLetsNULReachAField() throws {
        let lead = try Self.normalize(
            #"{"email":"a\u0000b","firstName":["x\u0000"],"lastName":{"k\u0000":"\u0000"},"we\u0000ird":"v\u0000","phone":"\u0000","#
                + #""click_id":"a click id longer than fifteen bytes\u0000, then more","city":"not a NUL in this one at all"}"#
        )
        #expect(lead[.email] == "ab")
        #expect(lead[.clickID] == "a click id longer than fifteen bytes, then more")
        #expect(lead[.firstName] == #"["x"]"#)
        #expect(lead[.lastName] == #"{"k":""}"#)
        #expect(lead[.phone] == "")
        #expect(lead.extra == #"{"weird":"v","city":"not a NUL in this one at all"}"#)
        for value in lead.fields.values {
            #expect(!value.unicodeScalars.contains("\u{0}"))
        }
    }

    @Test func keepsReplacementCharactersFromBrokenText() throws {
        let body = Array(#"{"firstName":"J"#.utf8) + [0xFF] + Array(#"\ud800"}"#.utf8)
        guard case .object(let members) = try JSONParser.parse(body) else {
            Issue.record("not an object")
            return
        }
        #expect(LeadNormalizer.normalize(members)[.firstName] == "J\u{FFFD}\u{FFFD}")
    }

    static func normalize(_ text: String) throws -> NormalizedLead {
        guard case .object(let members) = try JSONParser.parse(text) else { throw NotAnObject() }
        return LeadNormalizer.normalize(members)
    }

    struct NotAnObject: Error {}
}
