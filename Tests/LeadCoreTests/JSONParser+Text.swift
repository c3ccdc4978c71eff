import LeadCore

extension JSONParser {
    /// Most documents in these tests are easier to read as Swift strings than as bytes.
    static func parse(_ text: String) throws(Failure) -> JSONValue {
        try self.parse(Array(text.utf8))
    }
}
