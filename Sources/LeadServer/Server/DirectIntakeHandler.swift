import Foundation
import HTTPTypes
import HummingbirdCore
import LeadCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers plain `POST /api/lead` requests in the connection's channel pipeline, without going through the router.
///
/// Through the router, a request is handed to Swift concurrency as an async sequence of parts, read by the
/// connection's task, passed through the middleware, and its response handed back as another async sequence: on
/// two cores that machinery was about 40 of the ~110 µs of CPU leadcrm spent on an intake request. Here the parts
/// are gathered on the event loop and only the store's write is async: 71 µs, and 13% and 28% more requests per
/// second at 32 connections in two alternating runs.
///
/// It takes a request only where that changes nothing a sender can see: `POST /api/lead` with a `Content-Length`
/// within the body limit (not chunked, no `Expect`), without `Origin` (a browser's request goes through the
/// router, for CORS), with intake open to all (with `INTAKE_AUTH=required` it is not installed), and with no earlier
/// request of the connection still waiting for its answer. Everything else goes on to the router. What it does
/// with a request is the router's own code: `IntakeController` builds, records and answers it, `ErrorMiddleware`
/// answers a failure, `RequestLogMiddleware` writes its line.
///
/// It sits behind Hummingbird's connection state handler, which sees its requests and answers like any other:
/// the idle timeout does not fire while one is being written, and on graceful shutdown the connection closes once
/// its answer is out.
final class DirectIntakeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let path = "/api/lead"
    static let pathWithQuery = "/api/lead?"

    /// A request taken here, from its head to its answer.
    private struct Taken {
        let head: HTTPRequest
        let receivedAt = Date()
        let start = ContinuousClock.now
        let requestID: String
        let peer: String?
        var body: BodyReader.Body
        var deadline: Scheduled<Void>?
        /// Its body is complete (or given up on) and it is being recorded.
        var recording = false
    }

    private let intake: IntakeController
    private let logger: Logger
    private var taken: Taken?
    /// Requests passed on to the router whose answer has not been written yet.
    private var forwarded = 0
    /// Parts that came while a taken request was being recorded (a pipelining sender): handled after its answer.
    private var held: [HTTPRequestPart] = []
    /// A read asked for while a taken request was being recorded, done after its answer.
    private var readHeld = false
    /// What came from below while a taken request was pending, after its parts: the HTTP parser's error on the
    /// bytes that followed it, or the end of the sender's input (a sender that half-closes after its request).
    /// Passed on after its answer, so the router neither answers first nor ends the connection before it.
    private var heldSignals: [Signal] = []
    /// The connection closes after an answer: nothing more is read.
    private var closing = false

    init(intake: IntakeController, logger: Logger) {
        self.intake = intake
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.handle(self.unwrapInboundIn(data), context: context) {
            context.fireChannelRead(data)
        }
    }

    /// Takes `part` or holds it; returns whether it goes on to the router instead.
    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) -> Bool {
        guard !self.closing else { return false }
        // Only the flag is read: a copy of the request would make each part copy the body gathered so far.
        if let recording = self.taken?.recording {
            if recording {
                self.held.append(part)
            } else if case .body(let buffer) = part {
                let room = self.intake.bodyReader.limit - (self.taken?.body.bytes.count ?? 0)
                self.taken?.body.bytes.append(contentsOf: buffer.readableBytesView.prefix(room))
            } else if case .end = part {
                self.record(context: context)
            }
            return false
        }
        guard case .head(let head) = part else { return true }
        guard self.forwarded == 0, let length = self.takes(head) else {
            self.forwarded += 1
            return true
        }
        var body = BodyReader.Body(bytes: [], truncated: false)
        body.bytes.reserveCapacity(length)
        self.taken = Taken(
            head: head,
            requestID: RequestLogMiddleware.requestID(of: head.headerFields),
            peer: context.channel.remoteAddress?.ipAddress,
            body: body
        )
        self.taken?.deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.intake.bodyReader.timeout)) {
            self.bodyEnded(.deadline(self.intake.bodyReader.timeout), context: context)
        }
        return false
    }

    /// The body length of a request taken here, or `nil` when the router takes it.
    private func takes(_ head: HTTPRequest) -> Int? {
        guard head.method == .post, let path = head.path, path == Self.path || path.hasPrefix(Self.pathWithQuery) else { return nil }
        let fields = head.headerFields
        guard !fields.contains(.origin), !fields.contains(.expect), !fields.contains(.transferEncoding),
            let length = fields[.contentLength].flatMap(Int.init), length >= 0, length <= self.intake.bodyReader.limit
        else { return nil }
        return length
    }

    /// The body stopped before its end: the request is recorded with what came.
    private func bodyEnded(_ ending: BodyReader.Body.Ending, context: ChannelHandlerContext) {
        guard self.taken?.recording == false else { return }
        self.taken?.body.end(ending)
        self.record(context: context)
    }

    private func record(context: ChannelHandlerContext) {
        guard var taken = self.taken else { return }
        taken.deadline?.cancel()
        taken.deadline = nil
        taken.recording = true
        self.taken = taken
        let submission = self.intake.submission(
            receivedAt: taken.receivedAt,
            body: taken.body,
            fields: taken.head.headerFields,
            requestID: taken.requestID,
            peer: taken.peer
        )
        let delivery = NIOLoopBound(Delivery(handler: self, context: context), eventLoop: context.eventLoop)
        Self.record(submission, by: self.intake, logger: self.logger, then: delivery)
    }

    /// Records `submission` and hands its answer to `delivery` on the connection's event loop. The task outlives
    /// nothing: the store answers within its deadline, and the connection stays open (on graceful shutdown too)
    /// until the answer is written.
    private static func record(_ submission: RawSubmission, by intake: IntakeController, logger: Logger, then delivery: NIOLoopBound<Delivery>) {
        let loop = delivery.eventLoop
        Task {
            let facts = RequestFacts()
            let answer = await Self.answer(recording: submission, by: intake, facts: facts, logger: logger)
            if loop.inEventLoop {
                delivery.value.deliver(answer, facts: facts)
            } else {
                loop.execute { delivery.value.deliver(answer, facts: facts) }
            }
        }
    }

    private static func answer(recording submission: RawSubmission, by intake: IntakeController, facts: RequestFacts, logger: Logger) async
        -> JSONAnswer
    {
        do {
            return IntakeController.answer(for: try await intake.record(submission, facts: facts))
        } catch {
            return ErrorMiddleware.failure(error, logger: logger, requestID: submission.headers.requestID ?? "", method: .post, path: Self.path)
        }
    }

    /// Where a recorded request's answer goes: back on the connection's event loop.
    private struct Delivery {
        let handler: DirectIntakeHandler
        let context: ChannelHandlerContext

        func deliver(_ answer: JSONAnswer, facts: RequestFacts) {
            self.handler.write(answer, facts: facts, context: self.context)
        }
    }

    private func write(_ answer: JSONAnswer, facts: RequestFacts, context: ChannelHandlerContext) {
        guard let taken = self.taken else { return }
        self.taken = nil
        var fields = answer.fields
        fields[RequestLogMiddleware.requestIDHeader] = taken.requestID
        fields[.contentLength] = String(answer.body.readableBytes)
        fields[.date] = HTTPDate.now
        context.write(self.wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        context.write(self.wrapOutboundOut(.body(answer.body)), promise: nil)
        if answer.closesConnection {
            self.closing = true
            self.held = []
            self.heldSignals = []
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        }
        RequestLogMiddleware.log(
            self.logger,
            method: taken.head.method,
            path: Self.path,
            status: answer.status,
            since: taken.start,
            requestID: taken.requestID,
            remoteAddress: taken.peer,
            facts: facts
        )
        self.resumeHeld(context: context)
    }

    /// Handles what a pipelining sender sent while the answer was pending, in order.
    private func resumeHeld(context: ChannelHandlerContext) {
        var passed = false
        while !self.held.isEmpty, self.taken?.recording != true {
            let part = self.held.removeFirst()
            if self.handle(part, context: context) {
                context.fireChannelRead(self.wrapInboundOut(part))
                passed = true
            }
        }
        if passed {
            context.fireChannelReadComplete()
        }
        if self.taken == nil {
            let signals = self.heldSignals
            self.heldSignals = []
            for signal in signals {
                signal.fire(on: context)
            }
        } else if let signal = self.heldSignals.first {
            // A request taken from the held parts gets no more of its body.
            self.bodyEnded(signal.bodyEnding, context: context)
        }
        if self.readHeld, self.taken?.recording != true {
            self.readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        // A sender that pipelines waits here, rather than in a growing list of held parts.
        if self.taken?.recording == true {
            self.readHeld = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            self.forwarded = max(0, self.forwarded - 1)
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.hold(.error(error), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .some(ChannelEvent.inputClosed) = event as? ChannelEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.hold(.inputClosed, context: context)
    }

    private func hold(_ signal: Signal, context: ChannelHandlerContext) {
        guard self.taken != nil, !self.closing else {
            signal.fire(on: context)
            return
        }
        // Mid-body, the request is kept with what came, as the router keeps it.
        self.bodyEnded(signal.bodyEnding, context: context)
        self.heldSignals.append(signal)
    }

    /// An error or the end of input, from below.
    private enum Signal {
        case error(any Error)
        case inputClosed

        var bodyEnding: BodyReader.Body.Ending {
            switch self {
            case .error(let error): .early("\(error)")
            case .inputClosed: .early("the sender closed the connection")
            }
        }

        func fire(on context: ChannelHandlerContext) {
            switch self {
            case .error(let error): context.fireErrorCaught(error)
            case .inputClosed: context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The sender hung up mid-body: what came is still a request to keep.
        self.bodyEnded(.early("the connection closed"), context: context)
        context.fireChannelInactive()
    }
}
