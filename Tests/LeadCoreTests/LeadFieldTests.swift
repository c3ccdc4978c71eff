import Testing

@testable import LeadCore

@Suite struct LeadFieldTests {
    /// The JSON names are the old service's contract and the columns its tables; neither may change.
    @Test func keepsTheOldServiceNames() {
        #expect(LeadField.allCases.map(\.jsonName) == Self.contractNames)
        #expect(LeadField.allCases.map(\.column) == Self.columnNames)
    }

    /// The normalizer keeps its choice per field in an array indexed by `position`.
    @Test func positionsAreTheOrderOfAllCases() {
        #expect(LeadField.allCases.map(\.position) == Array(LeadField.allCases.indices))
    }

    @Test(arguments: LeadField.allCases)
    func recognisesItsOwnNames(field: LeadField) {
        #expect(LeadField(key: field.jsonName) == field)
        #expect(LeadField(key: field.column) == field)
        #expect(LeadField(key: field.jsonName.uppercased()) == field)
    }

    /// A synonym taken by another field would silently send a value to the wrong column.
    @Test(arguments: LeadField.allCases)
    func ownsEverySynonym(field: LeadField) {
        for synonym in field.synonyms {
            #expect(LeadField(key: synonym) == field, "\(synonym)")
        }
    }

    @Test(arguments: ["utm_source", "", "emails", "first name x", "e\u{0}mail"])
    func ignoresOtherKeys(key: String) {
        #expect(LeadField(key: key) == nil)
    }

    static let contractNames = [
        "click_id", "country", "creo", "description", "domain", "email", "firstName", "lastName", "ip", "lang", "marker", "offer",
        "phone", "sourcetype",
    ]
    static let columnNames = [
        "click_id", "country", "creo", "description", "domain", "email", "first_name", "last_name", "ip", "lang", "marker", "offer",
        "phone", "sourcetype",
    ]
}
