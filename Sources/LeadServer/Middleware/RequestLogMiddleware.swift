import Foundation
import HTTPTypes
import Hummingbird
import LeadCore
import Logging

/// Gives each request its id (the sender's `X-Request-Id`, or a new one), echoes it, and writes one log line when
/// the request is done: method, path, status, duration, ids and the intake outcome.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = LeadRequestContext

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = Self.requestID(of: request.headers)
        context.requestID = requestID
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.requestIDHeader] = requestID
        Self.log(
            self.logger,
            method: request.method,
            path: request.uri.path,
            status: response.status,
            since: start,
            requestID: requestID,
            remoteAddress: context.remoteAddress,
            facts: context.facts
        )
        return response
    }

    /// The sender's `X-Request-Id`, or a new one.
    static func requestID(of fields: HTTPFields) -> String {
        fields[Self.requestIDHeader].flatMap { $0.isEmpty ? nil : $0 } ?? RandomUUID.lowercaseText(of: RandomUUID.make())
    }

    /// The request's line, at `info`. Intake's direct path (`DirectIntakeHandler`) writes the same line.
    static func log(
        _ logger: Logger,
        method: HTTPRequest.Method,
        path: String,
        status: HTTPResponse.Status,
        since start: ContinuousClock.Instant,
        requestID: String,
        remoteAddress: String?,
        facts: RequestFacts
    ) {
        // Building the line costs more than the request's own work at high rates; skip it when it would be dropped.
        guard logger.logLevel <= .info else { return }
        let elapsed = ContinuousClock.now - start
        // Room for every key up front: growing the dictionary as keys are added rehashed it twice per request.
        var metadata = Logger.Metadata(minimumCapacity: 9)
        metadata["http.method"] = "\(method.rawValue)"
        metadata["http.path"] = "\(path)"
        metadata["http.status"] = "\(status.code)"
        metadata["duration_ms"] =
            "\(Double(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000) / 1000)"
        metadata["request.id"] = "\(requestID)"
        if let address = remoteAddress { metadata["client.address"] = "\(address)" }
        let facts = facts.current
        if let key = facts.idempotencyKey { metadata["idempotency.key"] = "\(key)" }
        if let leadID = facts.leadID { metadata["lead.id"] = "\(leadID)" }
        if let outcome = facts.outcome { metadata["intake.outcome"] = "\(outcome.rawValue)" }
        logger.info("request", metadata: metadata)
    }
}
