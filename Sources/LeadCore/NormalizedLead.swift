/// A lead as it goes into the `leads` table: known fields as clean text, everything else kept in `extra`.
public struct NormalizedLead: Sendable, Equatable {
    public var fields: [LeadField: String]
    /// Members that matched no field (or lost to a better match), as a JSON object text; `nil` when there were none.
    public var extra: String?

    public init(fields: [LeadField: String] = [:], extra: String? = nil) {
        self.fields = fields
        self.extra = extra
    }

    public subscript(field: LeadField) -> String? {
        get { self.fields[field] }
        set { self.fields[field] = newValue }
    }
}
