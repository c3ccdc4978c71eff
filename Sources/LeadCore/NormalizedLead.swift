/// A lead as it goes into the `leads` table: known fields as clean text, everything else kept in `extra`.
public struct NormalizedLead: Sendable, Equatable {
    /// Each field's text by its place in `LeadField.allCases`: read for every lead of every batch, so an array rather
    /// than a dictionary that hashes the field's name on each access.
    private var values: [String?]
    /// Members that matched no field (or lost to a better match), as a JSON object text; `nil` when there were none.
    public var extra: String?

    public init(fields: [LeadField: String] = [:], extra: String? = nil) {
        self.values = Array(repeating: nil, count: LeadField.allCases.count)
        for (field, text) in fields {
            self.values[field.position] = text
        }
        self.extra = extra
    }

    /// The fields that have text.
    public var fields: [LeadField: String] {
        var fields: [LeadField: String] = [:]
        for (field, text) in zip(LeadField.allCases, self.values) {
            fields[field] = text
        }
        return fields
    }

    public subscript(field: LeadField) -> String? {
        get { self.values[field.position] }
        set { self.values[field.position] = newValue }
    }
}
