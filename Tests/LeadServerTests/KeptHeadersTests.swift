import HTTPTypes
import Testing

@testable import LeadServer

/// The one-pass reading of the headers a raw row keeps gives what a lookup of each by name gives.
@Suite struct KeptHeadersTests {
    static let key = HTTPField.Name("Idempotency-Key")!
    static let forwarded = HTTPField.Name("X-Forwarded-For")!

    @Test(arguments: [
        [],
        [HTTPField(name: .contentType, value: "application/json"), HTTPField(name: .userAgent, value: "curl/8")],
        [HTTPField(name: Self.key, value: "a"), HTTPField(name: .accept, value: "x"), HTTPField(name: Self.key, value: "b")],
        [HTTPField(name: HTTPField.Name("idempotency-KEY")!, value: " k ")],
        [HTTPField(name: Self.forwarded, value: "10.0.0.1"), HTTPField(name: Self.forwarded, value: "10.0.0.2, 10.0.0.3")],
        [HTTPField(name: .contentType, value: "text/plain"), HTTPField(name: .contentType, value: "")],
    ])
    func readsWhatALookupByNameReads(fields: [HTTPField]) {
        let headers = HTTPFields(fields)
        let kept = KeptHeaders(headers)
        #expect(kept.contentType == headers[.contentType])
        #expect(kept.userAgent == headers[.userAgent])
        #expect(kept.idempotencyKey == headers[Self.key])
        #expect(kept.forwardedFor == headers[Self.forwarded])
    }
}
