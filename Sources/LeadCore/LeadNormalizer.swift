/// Turns a JSON object into a lead without ever refusing one.
///
/// The old service failed a whole request when `click_id` was a number; here every JSON value has a text form:
/// numbers as written, booleans as `true`/`false`, `null` as no value, arrays and objects as compact JSON.
/// A key written exactly as the contract names it wins over an alias (unless it is `null`); members that match no
/// field, and aliases that lost, are kept in `extra` so nothing a sender wrote is dropped from the lead.
public enum LeadNormalizer {
    public static func normalize(_ members: [(key: String, value: JSONValue)]) -> NormalizedLead {
        // The member chosen for each field, by `LeadField.allCases` position (an array: this runs for every request).
        var chosen: [(key: String, value: JSONValue, isExact: Bool)?] = Array(repeating: nil, count: LeadField.allCases.count)
        var extra: [(key: String, value: JSONValue)] = []

        for member in members {
            guard let field = LeadField(key: member.key) else {
                extra.append((TextSanitizer.clean(member.key), member.value))
                continue
            }
            let isExact = member.key == field.jsonName
            guard let current = chosen[field.position] else {
                chosen[field.position] = (member.key, member.value, isExact)
                continue
            }
            if isExact && !(member.value == .null && !current.isExact) {
                // A repeated exact key: the later one wins, as in `JSON.parse`; the raw body still has both.
                // An exact `null` does not erase a value an alias gave.
                if !current.isExact { extra.append((TextSanitizer.clean(current.key), current.value)) }
                chosen[field.position] = (member.key, member.value, true)
            } else {
                extra.append((TextSanitizer.clean(member.key), member.value))
            }
        }

        var lead = NormalizedLead()
        for (field, member) in zip(LeadField.allCases, chosen) {
            guard let member, let text = text(of: member.value) else { continue }
            lead[field] = text
        }
        lead.extra = extra.isEmpty ? nil : JSONValue.object(extra).jsonText
        return lead
    }

    /// The text a field gets for a JSON value; `nil` for JSON `null`.
    public static func text(of value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .bool(let flag): flag ? "true" : "false"
        case .number(let literal): literal
        case .string(let text): TextSanitizer.clean(text)
        case .array, .object: value.jsonText
        }
    }
}

/// Makes text safe for a PostgreSQL `text` column, which rejects NUL.
public enum TextSanitizer {
    public static func clean(_ text: String) -> String {
        // Every field of every lead passes here: scanning the bytes in place is about twice as fast as the view.
        let hasNUL = text.utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? text.utf8.contains(0)
        guard hasNUL else { return text }
        return String(text.unicodeScalars.filter { $0 != "\u{0}" })
    }
}
