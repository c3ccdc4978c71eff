import Foundation
import HummingbirdTesting
import Testing

/// A value of a flat JSON object as the contract's bodies use them. Decoded with Foundation, independently of the
/// product's own JSON code, so a bug there cannot hide itself; `true` and `1` stay different.
enum JSONScalar: Decodable, Equatable, Sendable, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral {
    case bool(Bool)
    case string(String)
    case number(Double)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else {
            self = .number(try container.decode(Double.self))
        }
    }

    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(stringLiteral value: String) { self = .string(value) }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

typealias JSONObject = [String: JSONScalar]

extension TestResponse {
    /// The body as a JSON object, after checking that the response says it is JSON (SPEC §1: every response is).
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONObject {
        let contentType = self.headers[.contentType] ?? ""
        #expect(contentType.hasPrefix("application/json"), "Content-Type is \"\(contentType)\"", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(JSONObject.self, from: Data(self.body.readableBytesView))
    }

    var bodyText: String { String(decoding: self.body.readableBytesView, as: UTF8.self) }
}
