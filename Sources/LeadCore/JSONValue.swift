/// A parsed JSON document that keeps what a sender wrote: number literals as their text and object members in order,
/// duplicates included, so nothing is rounded or reordered on its way to a lead.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written (`1.50` stays `1.50`), so a click id of `12345678901234567890` is not rounded.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}

extension JSONValue {
    /// Compact JSON text that PostgreSQL's `jsonb` accepts: NUL is dropped (`jsonb` and `text` reject it) and numbers
    /// `numeric` cannot hold are written as strings.
    public var jsonText: String {
        var output = ""
        self.write(to: &output)
        return output
    }

    /// Appends the compact JSON text to `output`: a caller that knows about how long it gets reserves that first.
    public func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let text):
            if Self.fitsNumeric(text) { output += text } else { Self.writeString(text, to: &output) }
        case .string(let text): Self.writeString(text, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(member.key, to: &output)
                output += ":"
                member.value.write(to: &output)
            }
            output += "}"
        }
    }

    /// PostgreSQL's `numeric` (behind `jsonb` numbers) refuses huge exponents and very long literals; those are
    /// written as strings so that keeping an odd value never fails the insert of a lead.
    static func fitsNumeric(_ literal: String) -> Bool {
        guard literal.utf8.count <= 1000 else { return false }
        guard let marker = literal.utf8.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "e") }) else { return true }
        let exponent = literal.utf8[literal.utf8.index(after: marker)...].drop { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        return exponent.count <= 3
    }

    /// Appends `text` as a JSON string literal.
    public static func writeString(_ text: String, to output: inout String) {
        output += "\""
        // Most text (ids, names, e-mail addresses) has nothing to escape, and goes in whole.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{0}": continue
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
