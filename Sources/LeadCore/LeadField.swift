/// The lead fields the old service knew, with their JSON names (the contract) and their column names (the tables).
public enum LeadField: String, CaseIterable, Sendable {
    case clickID = "click_id"
    case country
    case creo
    case description
    case domain
    case email
    case firstName
    case lastName
    case ip
    case lang
    case marker
    case offer
    case phone
    case sourcetype

    /// The name senders use in the JSON body.
    public var jsonName: String { self.rawValue }

    /// The field's place in `allCases`.
    var position: Int {
        switch self {
        case .clickID: 0
        case .country: 1
        case .creo: 2
        case .description: 3
        case .domain: 4
        case .email: 5
        case .firstName: 6
        case .lastName: 7
        case .ip: 8
        case .lang: 9
        case .marker: 10
        case .offer: 11
        case .phone: 12
        case .sourcetype: 13
        }
    }

    /// The column in the `leads` table.
    public var column: String {
        switch self {
        case .firstName: "first_name"
        case .lastName: "last_name"
        default: self.rawValue
        }
    }

    /// Other spellings senders use for the same field, beyond case, `_`, `-` and spaces (which never matter).
    public var synonyms: [String] {
        switch self {
        case .clickID: ["clickid", "click", "subid", "sub_id", "transaction_id", "clid"]
        case .country: ["country_code", "countrycode", "geo"]
        case .creo: ["creative", "creative_id"]
        case .description: ["desc", "comment", "comments", "message", "note"]
        case .domain: ["site", "host", "landing"]
        case .email: ["e-mail", "mail", "email_address", "emailaddress"]
        case .firstName: ["first_name", "fname", "first", "given_name", "name"]
        case .lastName: ["last_name", "lname", "last", "surname", "family_name"]
        case .ip: ["ip_address", "ipaddress", "user_ip", "client_ip"]
        case .lang: ["language", "locale"]
        case .marker: ["tag", "label"]
        case .offer: ["offer_id", "offer_name"]
        case .phone: ["phone_number", "phonenumber", "tel", "telephone", "mobile", "msisdn"]
        case .sourcetype: ["source_type", "source"]
        }
    }

    /// The spelling-insensitive form used to match aliases: lower case, without `_`, `-`, `.` and spaces.
    static func canonical(_ name: String) -> String {
        // ASCII keys (nearly all) byte by byte; others through full Unicode lowercasing.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: " "): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte | 0x20)
            case 0x80...: return String(name.lowercased().unicodeScalars.filter { !"_-. ".unicodeScalars.contains($0) })
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Keys written exactly as the contract names them, found without canonicalizing.
    private static let byExactName: [String: LeadField] = Dictionary(uniqueKeysWithValues: LeadField.allCases.map { ($0.jsonName, $0) })

    private static let byCanonicalName: [String: LeadField] = {
        var table: [String: LeadField] = [:]
        for field in LeadField.allCases {
            table[canonical(field.jsonName)] = field
            table[canonical(field.column)] = field
        }
        for field in LeadField.allCases {
            for synonym in field.synonyms where table[canonical(synonym)] == nil {
                table[canonical(synonym)] = field
            }
        }
        return table
    }()

    /// The field a JSON key stands for, if any.
    public init?(key: String) {
        if let field = Self.byExactName[key] {
            self = field
            return
        }
        guard let field = Self.byCanonicalName[Self.canonical(key)] else { return nil }
        self = field
    }
}
