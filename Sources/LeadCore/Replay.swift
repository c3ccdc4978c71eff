import Foundation

/// Which raw requests `leadcrm replay` works through.
public struct ReplaySelection: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        /// Requests kept but not yet made into leads: `failed` and `queued`.
        case pending
        /// Every request, re-normalizing the leads that exist too.
        case all
    }

    public var scope: Scope
    public var since: Date?
    public var until: Date?

    public init(scope: Scope = .pending, since: Date? = nil, until: Date? = nil) {
        self.scope = scope
        self.since = since
        self.until = until
    }

    public var outcomes: [IntakeOutcome] {
        switch self.scope {
        case .pending: [.failed, .queued]
        case .all: IntakeOutcome.allCases
        }
    }
}

/// A position in the replay order (received time, then id), to page through millions of rows.
public struct ReplayCursor: Sendable, Equatable {
    public var receivedAt: Date
    public var id: String

    public init(receivedAt: Date, id: String) {
        self.receivedAt = receivedAt
        self.id = id
    }
}

/// What replaying one raw request did (or would do, in a dry run).
public struct ReplayResult: Sendable, Equatable {
    public var before: IntakeOutcome
    public var after: IntakeOutcome
    public var leadID: String?
    /// The lead's fields were (or would be) rewritten from the raw body.
    public var leadUpdated: Bool

    public init(before: IntakeOutcome, after: IntakeOutcome, leadID: String?, leadUpdated: Bool) {
        self.before = before
        self.after = after
        self.leadID = leadID
        self.leadUpdated = leadUpdated
    }

    public var changed: Bool { self.before != self.after || self.leadUpdated }
}
