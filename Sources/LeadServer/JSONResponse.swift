import HTTPTypes
import Hummingbird
import LeadCore

/// Builds the JSON responses of the contract. Bodies are small and fixed in shape, so they are written directly.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ members: [(key: String, value: JSONValue)], headers: HTTPFields = [:]) -> Response {
        self.make(status, body: ByteBuffer(string: JSONValue.object(members).jsonText), headers: headers)
    }

    /// A response whose JSON body is already written.
    static func make(_ status: HTTPResponse.Status, body: ByteBuffer, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// `{"ok":false,"error":"<code>"}` — the only shape an error ever has; details go to the log, never here.
    static func error(_ status: HTTPResponse.Status, _ code: String, headers: HTTPFields = [:]) -> Response {
        self.make(status, [("ok", .bool(false)), ("error", .string(code))], headers: headers)
    }
}
