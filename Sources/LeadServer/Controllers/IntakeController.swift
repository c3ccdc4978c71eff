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
        let submission = self.submission(
            receivedAt: receivedAt,
            body: body,
            fields: request.headers,
            requestID: context.requestID,
            peer: context.remoteAddress
        )
        let result = try await self.record(submission, facts: context.facts)
        return JSONResponse.make(Self.answer(for: result))
    }

    /// The raw request as the store keeps it.
    func submission(receivedAt: Date, body: BodyReader.Body, fields: HTTPFields, requestID: String, peer: String?) -> RawSubmission {
        let headers = KeptHeaders(fields)
        return RawSubmission(
            receivedAt: receivedAt,
            body: body.bytes,
            truncated: body.truncated,
            bodyError: body.error,
            bodyTimedOut: body.timedOut,
            headers: SubmissionHeaders(
                contentType: headers.contentType,
                userAgent: headers.userAgent,
                idempotencyKey: headers.idempotencyKey,
                requestID: requestID,
                forwardedFor: headers.forwardedFor
            ),
            clientAddress: self.trustedProxies.clientAddress(peer: peer, forwardedFor: headers.forwardedFor)
        )
    }

    /// Records the request and notes what became of it for the request's log line.
    func record(_ submission: RawSubmission, facts: RequestFacts) async throws -> IntakeResult {
        facts.update { $0.idempotencyKey = submission.headers.idempotencyKey }
        let result = try await self.store.record(submission, as: SubmissionInterpretation(of: submission))
        facts.update {
            $0.leadID = result.leadID
            $0.outcome = result.outcome
        }
        return result
    }

    /// `{"ok":true,"lead_id":"<id>"` and `tail`: written directly, as every intake answer is one of three shapes.
    static func accepted(_ status: HTTPResponse.Status, leadID: String, tail: StaticString) -> JSONAnswer {
        var body = ByteBuffer()
        body.reserveCapacity(64 + leadID.utf8.count)
        body.writeStaticString(#"{"ok":true,"lead_id":"#)
        body.writeString(JSONValue.string(leadID).jsonText)
        body.writeStaticString(tail)
        return JSONAnswer(status: status, body: body)
    }

    static func answer(for result: IntakeResult) -> JSONAnswer {
        switch result {
        case .stored(let leadID):
            Self.accepted(.created, leadID: leadID, tail: #","deduplicated":false}"#)
        case .duplicate(let leadID):
            // Senders treat 409 as success: the lead exists, here is its id.
            Self.accepted(.conflict, leadID: leadID, tail: #","deduplicated":true}"#)
        case .queued(let leadID), .failed(let leadID):
            Self.accepted(.accepted, leadID: leadID, tail: #","deduplicated":false,"queued":true}"#)
        case .rejected(.payloadTooLarge):
            JSONAnswer.error(.contentTooLarge, IntakeRejection.payloadTooLarge.rawValue)
        case .rejected(.incompleteBody):
            JSONAnswer.error(.requestTimeout, IntakeRejection.incompleteBody.rawValue, headers: [.connection: "close"])
        case .rejected(.unreadableBody):
            JSONAnswer.error(.badRequest, IntakeRejection.unreadableBody.rawValue, headers: [.connection: "close"])
        case .rejected(let rejection):
            JSONAnswer.error(.badRequest, rejection.rawValue)
        }
    }
}

extension IntakeController {
    /// Intake as `configuration` sets it up.
    init(_ configuration: AppConfiguration, store: any LeadStore, crm: any CRMStore) {
        self.init(
            store: store,
            bodyReader: BodyReader(limit: configuration.maxBodyBytes, timeout: configuration.bodyTimeout),
            trustedProxies: configuration.trustedProxies,
            tokens: configuration.intakeRequiresToken ? IntakeTokenCache(crm: crm) : nil
        )
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
