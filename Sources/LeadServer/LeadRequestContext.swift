import Hummingbird
import LeadCore
import Logging
import NIOCore
import Synchronization

/// The request context of every leadcrm route: the request id, the client address and the facts a handler learns
/// (lead id, outcome) for the one log line written when the request ends.
public struct LeadRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The sender's `X-Request-Id`, or one made up for the request; echoed in the response.
    public var requestID: String
    public let remoteAddress: String?
    /// The connection, for timers that must act on it (the body deadline).
    public let channel: any Channel
    public let facts: RequestFacts

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
        self.facts = RequestFacts()
    }
}

/// What a handler found out about its request, read by the request log middleware after the response is made.
public final class RequestFacts: Sendable {
    public struct Values: Sendable {
        public var idempotencyKey: String?
        public var leadID: String?
        public var outcome: IntakeOutcome?
    }

    private let values = Mutex(Values())

    public func update(_ change: (inout Values) -> Void) {
        self.values.withLock { change(&$0) }
    }

    public var current: Values { self.values.withLock { $0 } }
}
