import HTTPTypes
import Hummingbird
import LeadCore

/// A JSON answer before it becomes a response: the router's `Response`, or parts written straight to the connection
/// (`DirectIntakeHandler`).
struct JSONAnswer: Sendable {
    var status: HTTPResponse.Status
    var body: ByteBuffer
    var headers: HTTPFields = [:]

    /// The headers to send, with the content type of every answer.
    var fields: HTTPFields {
        var fields = self.headers
        fields[.contentType] = "application/json; charset=utf-8"
        return fields
    }

    /// Whether the connection closes once this answer is written.
    var closesConnection: Bool { self.headers[.connection] == "close" }

    /// `{"ok":false,"error":"<code>"}` — the only shape an error ever has; details go to the log, never here.
    static func error(_ status: HTTPResponse.Status, _ code: String, headers: HTTPFields = [:]) -> JSONAnswer {
        let members: [(key: String, value: JSONValue)] = [("ok", .bool(false)), ("error", .string(code))]
        return JSONAnswer(status: status, body: ByteBuffer(string: JSONValue.object(members).jsonText), headers: headers)
    }
}

/// Builds the JSON responses of the contract. Bodies are small and fixed in shape, so they are written directly.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ members: [(key: String, value: JSONValue)], headers: HTTPFields = [:]) -> Response {
        self.make(status, body: ByteBuffer(string: JSONValue.object(members).jsonText), headers: headers)
    }

    /// A response whose JSON body is already written.
    static func make(_ status: HTTPResponse.Status, body: ByteBuffer, headers: HTTPFields = [:]) -> Response {
        self.make(JSONAnswer(status: status, body: body, headers: headers))
    }

    static func make(_ answer: JSONAnswer) -> Response {
        Response(status: answer.status, headers: answer.fields, body: .init(byteBuffer: answer.body))
    }

    /// `{"ok":false,"error":"<code>"}` — the only shape an error ever has; details go to the log, never here.
    static func error(_ status: HTTPResponse.Status, _ code: String, headers: HTTPFields = [:]) -> Response {
        self.make(JSONAnswer.error(status, code, headers: headers))
    }
}
