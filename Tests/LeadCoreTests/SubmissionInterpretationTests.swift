import LeadCore
import Testing

@Suite struct SubmissionInterpretationTests {
    @Test func readsAJSONObjectAsALead() {
        let interpretation = Self.interpret(#"{"email":"a@b.c","click_id":12345,"utm":"x"}"#, contentType: "application/json")
        #expect(interpretation == .lead(NormalizedLead(fields: [.email: "a@b.c", .clickID: "12345"], extra: #"{"utm":"x"}"#)))
    }

    /// PHP senders often send JSON as `text/plain` or with no Content-Type at all; the old service read it anyway.
    @Test(arguments: [nil, "text/plain", "application/json; charset=utf-8", "APPLICATION/JSON", "application/octet-stream"] as [String?])
    func readsJSONWhateverTheContentType(contentType: String?) {
        #expect(Self.interpret(#"{"phone":"+1 555"}"#, contentType: contentType) == .lead(NormalizedLead(fields: [.phone: "+1 555"])))
    }

    @Test(arguments: ["[]", #"[{"email":"a@b.c"}]"#, #""text""#, "42", "-1.5", "true", "false", "null", " null "])
    func rejectsJSONThatIsNotAnObject(body: String) {
        #expect(Self.interpret(body) == .rejected(.invalidPayload))
    }

    @Test(arguments: ["", "   ", "garbage", "email=a@b.c", #"{"email":"a@b.c""#, #"{"a":1,}"#, "{'a':1}", #"{"a":1} x"#])
    func rejectsWhatIsNotJSON(body: String) {
        #expect(Self.interpret(body) == .rejected(.invalidJSON))
    }

    @Test func rejectsABodyDeeperThanTheLimitAsInvalidJSON() {
        #expect(Self.interpret(String(repeating: "[", count: 10_000)) == .rejected(.invalidJSON))
    }

    /// Only the first bytes of an oversized body are kept; whatever they look like, the answer is "too large".
    @Test(arguments: [#"{"email":"a@b.c"}"#, #"{"email":"#, "garbage", "[1]"])
    func rejectsATruncatedBody(body: String) {
        #expect(Self.interpret(body, truncated: true) == .rejected(.payloadTooLarge))
        #expect(Self.interpret(body, contentType: Self.form, truncated: true) == .rejected(.payloadTooLarge))
    }

    @Test(arguments: ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-Urlencoded"])
    func readsAFormBodyAsTheObjectItDescribes(contentType: String) {
        let form = Self.interpret("first_name=John+Paul&email=a%40b.com&phone=%2B1+555&utm+id=x%26y%3Dz", contentType: contentType)
        let json = Self.interpret(#"{"first_name":"John Paul","email":"a@b.com","phone":"+1 555","utm id":"x&y=z"}"#)
        #expect(form == json)
        #expect(form == .lead(NormalizedLead(fields: [.firstName: "John Paul", .email: "a@b.com", .phone: "+1 555"], extra: #"{"utm id":"x&y=z"}"#)))
    }

    @Test(
        arguments: [
            ("email=", NormalizedLead(fields: [.email: ""])),
            ("email", NormalizedLead(fields: [.email: ""])),
            ("&&email=a&", NormalizedLead(fields: [.email: "a"])),
            ("email=a=b", NormalizedLead(fields: [.email: "a=b"])),
            ("email=%C3%A9%c3%a9", NormalizedLead(fields: [.email: "éé"])),
            ("email=%zz%4", NormalizedLead(fields: [.email: "%zz%4"])),
            ("email=%41%", NormalizedLead(fields: [.email: "A%"])),
            ("email=a%FFb", NormalizedLead(fields: [.email: "a\u{FFFD}b"])),
            ("email=a%00b&x%00y=%00", NormalizedLead(fields: [.email: "ab"], extra: #"{"xy":""}"#)),
            ("=v&tag=1&tag=2", NormalizedLead(fields: [.marker: "1"], extra: #"{"":"v","tag":"2"}"#)),
            ("null=1&true", NormalizedLead(extra: #"{"null":"1","true":""}"#)),
        ]
    )
    func decodesFormFields(body: String, expected: NormalizedLead) {
        #expect(Self.interpret(body, contentType: Self.form) == .lead(expected))
    }

    /// PHP's curl labels any string body `application/x-www-form-urlencoded` unless told otherwise, so JSON arrives
    /// with that type; a body that is JSON is what the sender meant.
    @Test func readsAJSONObjectSentAsAForm() {
        let interpretation = Self.interpret(#"{"email":"a@b.c","phone":"+1 555"}"#, contentType: Self.form)
        #expect(interpretation == .lead(NormalizedLead(fields: [.email: "a@b.c", .phone: "+1 555"])))
    }

    @Test(arguments: ["[1]", #""email=a""#, "null"])
    func rejectsOtherJSONSentAsAForm(body: String) {
        #expect(Self.interpret(body, contentType: Self.form) == .rejected(.invalidPayload))
    }

    /// An empty form says nothing, exactly like an empty JSON body.
    @Test(arguments: ["", " \r\n"])
    func rejectsAnEmptyForm(body: String) {
        #expect(Self.interpret(body, contentType: Self.form) == .rejected(.invalidJSON))
    }

    static let form = "application/x-www-form-urlencoded"

    static func interpret(_ body: String, contentType: String? = nil, truncated: Bool = false) -> SubmissionInterpretation {
        let submission = RawSubmission(body: Array(body.utf8), truncated: truncated, headers: SubmissionHeaders(contentType: contentType))
        return SubmissionInterpretation(of: submission)
    }
}
