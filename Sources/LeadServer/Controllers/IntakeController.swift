import Foundation
import HTTPTypes
import Hummingbird
import LeadCore
import Logging

/// `POST /api/lead`: the intake contract of SPEC §1.
///
/// The body is read by hand rather than decoded by the framework, because every request is kept exactly as it came —
/// invalid JSON, oversized and incomplete bodies included — before anything judges it.
struct IntakeController {
    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let forwardedForHeader = HTTPField.Name("X-Forwarded-For")!

    let store: any LeadStore
    let bodyReader: BodyReader
    let trustedProxies: TrustedProxies
    /// Set with `INTAKE_AUTH=required`: a request needs a token of any role, and one without is not recorded.
    let tokens: IntakeTokenCache?

    func addRoutes(to router: Router<LeadRequestContext>) {
        router.post("/api/lead") { request, context in
            try await self.receive(request, context: context)
        }
    }

    func receive(_ request: Request, context: LeadRequestContext) async throws -> Response {
        let receivedAt = Date()
        if let tokens = self.tokens {
            _ = try await tokens.authenticate(request)
        }
        let body = await self.bodyReader.read(request, channel: context.channel)
        let headers = KeptHeaders(request.headers)
        let submission = RawSubmission(
            receivedAt: receivedAt,
            body: body.bytes,
            truncated: body.truncated,
            bodyError: body.error,
            bodyTimedOut: body.timedOut,
            headers: SubmissionHeaders(
                contentType: headers.contentType,
                userAgent: headers.userAgent,
                idempotencyKey: headers.idempotencyKey,
                requestID: context.requestID,
                forwardedFor: headers.forwardedFor
            ),
            clientAddress: self.trustedProxies.clientAddress(peer: context.remoteAddress, forwardedFor: headers.forwardedFor)
        )
        context.facts.update { $0.idempotencyKey = submission.headers.idempotencyKey }
        let result = try await self.store.record(submission, as: SubmissionInterpretation(of: submission))
        context.facts.update {
            $0.leadID = result.leadID
            $0.outcome = result.outcome
        }
        return Self.response(for: result)
    }

    /// `{"ok":true,"lead_id":"<id>"` and `tail`: written directly, as every intake answer is one of three shapes.
    static func accepted(_ status: HTTPResponse.Status, leadID: String, tail: StaticString) -> Response {
        var body = ByteBuffer()
        body.reserveCapacity(64 + leadID.utf8.count)
        body.writeStaticString(#"{"ok":true,"lead_id":"#)
        body.writeString(JSONValue.string(leadID).jsonText)
        body.writeStaticString(tail)
        return JSONResponse.make(status, body: body)
    }

    static func response(for result: IntakeResult) -> Response {
        switch result {
        case .stored(let leadID):
            Self.accepted(.created, leadID: leadID, tail: #","deduplicated":false}"#)
        case .duplicate(let leadID):
            // Senders treat 409 as success: the lead exists, here is its id.
            Self.accepted(.conflict, leadID: leadID, tail: #","deduplicated":true}"#)
        case .queued(let leadID), .failed(let leadID):
            Self.accepted(.accepted, leadID: leadID, tail: #","deduplicated":false,"queued":true}"#)
        case .rejected(.payloadTooLarge):
            JSONResponse.error(.contentTooLarge, IntakeRejection.payloadTooLarge.rawValue)
        case .rejected(.incompleteBody):
            JSONResponse.error(.requestTimeout, IntakeRejection.incompleteBody.rawValue, headers: [.connection: "close"])
        case .rejected(.unreadableBody):
            JSONResponse.error(.badRequest, IntakeRejection.unreadableBody.rawValue, headers: [.connection: "close"])
        case .rejected(let rejection):
            JSONResponse.error(.badRequest, rejection.rawValue)
        }
    }
}

/// The request headers a raw row keeps, read in one pass over the fields (a lookup by name is a pass of its own).
/// A header sent more than once reads as its values joined with `", "`, as `HTTPFields` reads it by name.
struct KeptHeaders {
    var contentType: String?
    var userAgent: String?
    var idempotencyKey: String?
    var forwardedFor: String?

    init(_ fields: HTTPFields) {
        for field in fields {
            switch field.name {
            case .contentType: Self.add(field.value, to: &self.contentType)
            case .userAgent: Self.add(field.value, to: &self.userAgent)
            case IntakeController.idempotencyKeyHeader: Self.add(field.value, to: &self.idempotencyKey)
            case IntakeController.forwardedForHeader: Self.add(field.value, to: &self.forwardedFor)
            default: continue
            }
        }
    }

    private static func add(_ value: String, to kept: inout String?) {
        if let earlier = kept {
            kept = earlier + ", " + value
        } else {
            kept = value
        }
    }
}
