import HTTPTypes
import Hummingbird
import LeadCore
import Logging
import Synchronization

/// The one place errors become responses. Every error is answered with the contract's JSON shape; anything
/// unexpected is logged with its full context and answered `internal_error`, never with a trace, SQL or message.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = LeadRequestContext

    let logger: Logger
    let routes: KnownRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            var members: [(key: String, value: JSONValue)] = [("ok", .bool(false)), ("error", .string(error.code))]
            if let parameter = error.parameter { members.append(("parameter", .string(parameter))) }
            return JSONResponse.make(error.status, members, headers: error.headers)
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = self.routes.methods(for: request.uri.path) {
                return JSONResponse.error(.methodNotAllowed, "method_not_allowed", headers: [.allow: allowed.joined(separator: ", ")])
            }
            return JSONResponse.error(error.status, Self.code(for: error.status))
        } catch {
            return JSONResponse.make(
                Self.failure(error, logger: self.logger, requestID: context.requestID, method: request.method, path: request.uri.path)
            )
        }
    }

    /// The answer to an error no handler turned into one, logged here: the database being away is `503`, anything
    /// else `500 internal_error`. Intake's direct path (`DirectIntakeHandler`) answers its errors with it too.
    static func failure(_ error: any Error, logger: Logger, requestID: String, method: HTTPRequest.Method, path: String) -> JSONAnswer {
        if case LeadStoreError.unavailable(let reason) = error {
            logger.warning("database unavailable", metadata: ["request.id": "\(requestID)", "http.path": "\(path)", "error": "\(reason)"])
            return JSONAnswer.error(.serviceUnavailable, "unavailable", headers: [.retryAfter: "5"])
        }
        logger.error(
            "request failed",
            metadata: [
                "request.id": "\(requestID)", "http.method": "\(method.rawValue)", "http.path": "\(path)",
                "error": "\(String(reflecting: error))",
            ]
        )
        return JSONAnswer.error(.internalServerError, "internal_error")
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "payload_too_large"
        case .badRequest: "bad_request"
        case .unsupportedMediaType: "unsupported_media_type"
        default: status.code >= 500 ? "internal_error" : "bad_request"
        }
    }
}

/// An answer a handler decided on: a status and the contract's error code (and, for a bad query parameter,
/// its name).
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var parameter: String?
    var headers: HTTPFields = [:]
}

/// The paths the router serves and their methods, learned from the router once its routes are added, so that a
/// known path asked with another method is answered `405 Method Not Allowed` with `Allow`, not `404`.
final class KnownRoutes: Sendable {
    /// Path segments, a captured one (an id) as `*`, and the methods served there.
    private let table = Mutex<[(segments: [String], methods: [String])]>([])

    func learn(_ routes: [Router<LeadRequestContext>.RouteDescription]) {
        var table: [(segments: [String], methods: [String])] = []
        for route in routes {
            let segments = route.path.map { element in
                let text = element.description
                return text.hasPrefix("{") && text.hasSuffix("}") ? "*" : text
            }
            if let index = table.firstIndex(where: { $0.segments == segments }) {
                table[index].methods.append(route.method.rawValue)
            } else {
                table.append((segments, [route.method.rawValue]))
            }
        }
        self.table.withLock { $0 = table }
    }

    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return self.table.withLock { table in
            table.first { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { pattern, segment in pattern == "*" || pattern == segment }
            }?.methods
        }
    }
}
