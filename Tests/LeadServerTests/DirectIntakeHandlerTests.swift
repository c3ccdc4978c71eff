import HTTPTypes
import LeadCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

@testable import LeadServer

/// The intake path in the channel pipeline, part by part: which requests it takes, and that a sender sees the same
/// order, answers and raw rows as through the router (the HTTP suites run through it over real sockets too).
@Suite("Direct intake handler")
struct DirectIntakeHandlerTests {
    static let bodyLimit = 64

    @Test("a plain intake request is recorded and answered in the pipeline, with the router's headers")
    func answersPlainIntake() async throws {
        let store = GatedStore()
        let channel = try await Self.channel(store: store)
        try await Self.sendLead(#"{"a":1}"#, to: channel, requestID: "direct-1")

        let head = try await Self.answerHead(of: channel)
        #expect(head.status == .created)
        #expect(head.headerFields[.requestID] == "direct-1")
        #expect(head.headerFields[.contentType] == "application/json; charset=utf-8")
        #expect(head.headerFields[.date] != nil)
        let body = try await Self.answerBody(of: channel)
        #expect(head.headerFields[.contentLength] == String(body.utf8.count))
        #expect(body == #"{"ok":true,"lead_id":"lead-1","deduplicated":false}"#)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil)

        let submission = try #require(store.submissions.first)
        #expect(submission.body == Array(#"{"a":1}"#.utf8))
        #expect(submission.headers.requestID == "direct-1")
        #expect(submission.bodyError == nil)
    }

    @Test(
        "anything but a plain intake request goes on to the router",
        arguments: [
            HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/api/lead"),
            HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/leads", headerFields: [.contentLength: "2"]),
            HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/lead/x", headerFields: [.contentLength: "2"]),
            HTTPRequest(
                method: .post, scheme: nil, authority: nil, path: "/api/lead", headerFields: [.contentLength: "2", .origin: "https://a.example"]),
            HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/lead", headerFields: [.contentLength: "2", .expect: "100-continue"]),
            HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/lead"),
            HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/lead", headerFields: [.contentLength: "65"]),
        ]
    )
    func passesOnTheRest(head: HTTPRequest) async throws {
        let store = GatedStore()
        let channel = try await Self.channel(store: store)
        try await channel.writeInbound(HTTPRequestPart.head(head))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .head(head))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(store.submissions.isEmpty)
    }

    @Test("a query string still takes the direct path")
    func takesAQueryString() async throws {
        let store = GatedStore()
        let channel = try await Self.channel(store: store)
        try await Self.sendLead("{}", to: channel, requestID: "direct-q", path: "/api/lead?src=x")
        #expect(try await Self.answerHead(of: channel).status == .created)
        #expect(store.submissions.count == 1)
    }

    @Test("a request pipelined behind a pending intake request reaches the router only after that answer")
    func pipelinedRequestWaits() async throws {
        let store = GatedStore(open: false)
        let channel = try await Self.channel(store: store)
        try await Self.sendLead("{}", to: channel, requestID: "direct-p")
        let health = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/health")
        try await channel.writeInbound(HTTPRequestPart.head(health))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await store.waitForSubmissions(1)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil)

        store.open()
        #expect(try await Self.answerHead(of: channel).status == .created)
        _ = try await Self.answerBody(of: channel)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .head(health))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
    }

    @Test("while a request the router has is unanswered, the next intake request goes to the router too")
    func followsTheRouterWhileItIsBusy() async throws {
        let store = GatedStore()
        let channel = try await Self.channel(store: store)
        let health = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/health")
        try await channel.writeInbound(HTTPRequestPart.head(health))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        let lead = Self.leadHead(length: 2, requestID: "direct-r", path: "/api/lead")
        try await channel.writeInbound(HTTPRequestPart.head(lead))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .head(health))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == .head(lead))

        // Once the router has answered everything it was given, intake is taken here again.
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .created)))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        for _ in 0..<4 { _ = try await channel.readOutbound(as: HTTPResponsePart.self) }
        try await Self.sendLead("{}", to: channel, requestID: "direct-s")
        #expect(try await Self.answerHead(of: channel).headerFields[.requestID] == "direct-s")
    }

    @Test("a parser error on the bytes after an intake request reaches the router after that request's answer")
    func parserErrorWaitsForTheAnswer() async throws {
        let store = GatedStore(open: false)
        let channel = try await Self.channel(store: store)
        try await Self.sendLead("{}", to: channel, requestID: "direct-e")
        try await store.waitForSubmissions(1)
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireErrorCaught(ParserFailure()) }
        try await channel.throwIfErrorCaught()

        store.open()
        #expect(try await Self.answerHead(of: channel).status == .created)
        _ = try await Self.answerBody(of: channel)
        await #expect(throws: ParserFailure.self) { try await channel.throwIfErrorCaught() }
    }

    @Test("a sender that half-closes after its request gets its answer before the router hears its input ended")
    func halfClose() async throws {
        let store = GatedStore(open: false)
        let events = EventLog()
        let channel = try await Self.channel(store: store, events: events)
        try await Self.sendLead("{}", to: channel, requestID: "direct-c")
        try await store.waitForSubmissions(1)
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        #expect(events.entries.isEmpty)

        store.open()
        #expect(try await Self.answerHead(of: channel).status == .created)
        _ = try await Self.answerBody(of: channel)
        #expect(events.entries == ["inputClosed"])
    }

    @Test("a body that misses its deadline is kept as it came and answered 408, closing the connection")
    func bodyDeadline() async throws {
        let store = GatedStore()
        let channel = try await Self.channel(store: store)
        try await channel.writeInbound(HTTPRequestPart.head(Self.leadHead(length: 10, requestID: "direct-t", path: "/api/lead")))
        try await channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: #"{"a""#)))
        await channel.testingEventLoop.advanceTime(by: .seconds(31))

        let head = try await Self.answerHead(of: channel)
        #expect(head.status == .requestTimeout)
        #expect(head.headerFields[.connection] == "close")
        let submission = try #require(store.submissions.first)
        #expect(submission.body == Array(#"{"a""#.utf8))
        #expect(submission.bodyTimedOut)
        #expect(submission.bodyError == "the body did not arrive within 30.0 seconds")
    }

    @Test("a sender that hangs up mid-body still has its request kept")
    func hangUpMidBody() async throws {
        let store = GatedStore()
        let channel = try await Self.channel(store: store)
        try await channel.writeInbound(HTTPRequestPart.head(Self.leadHead(length: 10, requestID: "direct-h", path: "/api/lead")))
        try await channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{")))
        channel.pipeline.fireChannelInactive()
        try await store.waitForSubmissions(1)
        let submission = try #require(store.submissions.first)
        #expect(submission.body == Array("{".utf8))
        #expect(submission.bodyError == "the body ended early: the connection closed")
    }

    // MARK: - Helpers

    static func channel(store: GatedStore, events: EventLog? = nil) async throws -> NIOAsyncTestingChannel {
        let intake = IntakeController(
            store: store,
            bodyReader: BodyReader(limit: Self.bodyLimit, timeout: .seconds(30)),
            trustedProxies: .none,
            tokens: nil
        )
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(DirectIntakeHandler(intake: intake, logger: TestApplication.logger))
            if let events {
                try channel.pipeline.syncOperations.addHandler(EventRecorder(log: events))
            }
        }
        return channel
    }

    static func leadHead(length: Int, requestID: String, path: String) -> HTTPRequest {
        HTTPRequest(
            method: .post,
            scheme: nil,
            authority: nil,
            path: path,
            headerFields: [.contentLength: String(length), .contentType: "application/json", .requestID: requestID]
        )
    }

    static func sendLead(_ body: String, to channel: NIOAsyncTestingChannel, requestID: String, path: String = "/api/lead") async throws {
        try await channel.writeInbound(HTTPRequestPart.head(Self.leadHead(length: body.utf8.count, requestID: requestID, path: path)))
        try await channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: body)))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
    }

    static func answerHead(of channel: NIOAsyncTestingChannel) async throws -> HTTPResponse {
        guard case .head(let head) = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self) else {
            Issue.record("the answer did not start with its head")
            return HTTPResponse(status: .internalServerError)
        }
        return head
    }

    static func answerBody(of channel: NIOAsyncTestingChannel) async throws -> String {
        guard case .body(let body) = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self) else {
            Issue.record("no body after the head")
            return ""
        }
        #expect(try await channel.waitForOutboundWrite(as: HTTPResponsePart.self) == .end(nil))
        return String(buffer: body)
    }
}

/// The user events that reached the router's side of the pipeline.
final class EventLog: Sendable {
    private let recorded = Mutex<[String]>([])

    var entries: [String] { self.recorded.withLock { $0 } }

    func add(_ entry: String) { self.recorded.withLock { $0.append(entry) } }
}

final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart

    let log: EventLog

    init(log: EventLog) { self.log = log }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        self.log.add("\(event)")
        context.fireUserInboundEventTriggered(event)
    }
}

/// Stands for the HTTP parser's error on bytes that are not a request.
struct ParserFailure: Error {}
