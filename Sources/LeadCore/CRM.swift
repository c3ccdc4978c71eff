import Foundation

/// What a user may do. Each role includes the ones before it.
public enum Role: String, CaseIterable, Sendable, Comparable {
    /// Lists and views leads, their requests and history.
    case read
    /// Also changes leads and exports them.
    case manage
    /// Also erases leads and manages users and tokens.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
    }
}

/// A member of the sales team; `id` is what `leads.assigned_to` holds.
public struct User: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var role: Role
    public var createdAt: Date

    public init(id: Int, name: String, role: Role, createdAt: Date) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }
}

/// A stored API token: its public id and the SHA-256 of its secret (the secret itself is never stored).
public struct StoredToken: Sendable, Equatable {
    public var id: String
    public var user: User
    public var secretDigest: [UInt8]
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, user: User, secretDigest: [UInt8], createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.user = user
        self.secretDigest = secretDigest
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A lead as the CRM shows it: every column, including the ones only the CRM changes.
public struct LeadRecord: Sendable, Equatable {
    public var lead: StoredLead
    public var updatedAt: Date?
    public var note: String?
    /// Bumped by every change; the lead's `ETag`.
    public var revision: Int
    public var erasedAt: Date?

    public init(lead: StoredLead, updatedAt: Date?, note: String?, revision: Int, erasedAt: Date?) {
        self.lead = lead
        self.updatedAt = updatedAt
        self.note = note
        self.revision = revision
        self.erasedAt = erasedAt
    }
}

public enum ListOrder: String, Sendable {
    case ascending = "created_at"
    case descending = "-created_at"
}

/// Where a page ended: the last row's time and id (rows are ordered by both).
public struct PageCursor: Sendable, Equatable {
    public var time: Date
    public var id: String

    public init(time: Date, id: String) {
        self.time = time
        self.id = id
    }
}

/// Which leads a list or an export wants.
public struct LeadFilter: Sendable, Equatable {
    public enum Assignee: Sendable, Equatable {
        case user(Int)
        case nobody
    }

    public var status: String?
    public var assignedTo: Assignee?
    public var country: String?
    public var sourcetype: String?
    public var domain: String?
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Case-insensitive substring of email, phone, first name, last name or click id.
    public var search: String?

    public init() {}
}

/// A change asked for by `PATCH`: `nil` leaves a field alone, `.some(nil)` clears it.
public struct LeadChange: Sendable, Equatable {
    public var status: String?
    public var assignedTo: Int??
    public var note: String??

    public init(status: String? = nil, assignedTo: Int?? = nil, note: String?? = nil) {
        self.status = status
        self.assignedTo = assignedTo
        self.note = note
    }
}

public enum LeadUpdateResult: Sendable, Equatable {
    case updated(LeadRecord)
    case notFound
    case revisionMismatch
    case unknownAssignee
}

/// One entry of a lead's history.
public struct LeadEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created, duplicate, status, assignee, note, erased
    }

    public var at: Date
    public var kind: Kind
    public var actor: (id: Int, name: String)?
    public var from: String?
    public var to: String?
    public var submissionID: String?

    public init(at: Date, kind: Kind, actor: (id: Int, name: String)?, from: String?, to: String?, submissionID: String?) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.from = from
        self.to = to
        self.submissionID = submissionID
    }

    public static func == (lhs: LeadEvent, rhs: LeadEvent) -> Bool {
        lhs.at == rhs.at && lhs.kind == rhs.kind && lhs.actor?.id == rhs.actor?.id && lhs.actor?.name == rhs.actor?.name
            && lhs.from == rhs.from && lhs.to == rhs.to && lhs.submissionID == rhs.submissionID
    }
}

/// A raw request as the CRM shows it: the stored request plus what erasure left of it.
public struct SubmissionRecord: Sendable, Equatable {
    public var submission: StoredSubmission
    /// `nil` once erased.
    public var body: [UInt8]?
    public var bodyDigest: [UInt8]?
    public var erasedAt: Date?

    public init(submission: StoredSubmission, body: [UInt8]?, bodyDigest: [UInt8]?, erasedAt: Date?) {
        self.submission = submission
        self.body = body
        self.bodyDigest = bodyDigest
        self.erasedAt = erasedAt
    }
}

public enum CRMError: Error, Equatable {
    case nameTaken
}

/// The CRM's storage: users and tokens, finding and working leads, their history, erasure. PostgreSQL and SQLite
/// implement it with the same behaviour.
public protocol CRMStore: Sendable {
    func createUser(name: String, role: Role) async throws -> User
    func users() async throws -> [User]
    func user(named name: String) async throws -> User?
    func user(id: Int) async throws -> User?

    func addToken(id: String, userID: Int, secretDigest: [UInt8]) async throws
    func token(id: String) async throws -> StoredToken?
    func tokens(userID: Int?) async throws -> [StoredToken]
    /// `false` when there is no such token (revoking twice is not an error).
    func revokeToken(id: String) async throws -> Bool

    /// A page of leads, not erased, in `order`, after `cursor`.
    func leads(matching filter: LeadFilter, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [LeadRecord]
    func leadRecord(id: String) async throws -> LeadRecord?
    func submissionRecords(forLead id: String) async throws -> [SubmissionRecord]
    /// Raw requests with `outcome` (any when `nil`), in received order.
    func submissionRecords(outcome: IntakeOutcome?, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [SubmissionRecord]

    /// Applies `change` as `actor`, recording an event per changed field; `expectedRevision` guards against a
    /// change made meanwhile.
    func updateLead(id: String, change: LeadChange, expectedRevision: Int?, actor: User) async throws -> LeadUpdateResult
    func events(forLead id: String) async throws -> [LeadEvent]?
    /// Wipes the lead's personal data and its requests' bodies; `nil` when there is no such lead.
    func eraseLead(id: String, actor: User) async throws -> LeadRecord?
}
