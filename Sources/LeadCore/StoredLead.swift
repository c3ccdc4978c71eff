import Foundation

/// A row of `leads` as read back.
public struct StoredLead: Sendable, Equatable {
    public var id: String
    public var createdAt: Date
    public var fields: [LeadField: String]
    public var idempotencyKey: String?
    public var requestID: String?
    public var status: String
    public var assignedTo: Int?
    public var extra: String?

    public init(
        id: String,
        createdAt: Date,
        fields: [LeadField: String],
        idempotencyKey: String?,
        requestID: String?,
        status: String,
        assignedTo: Int?,
        extra: String?
    ) {
        self.id = id
        self.createdAt = createdAt
        self.fields = fields
        self.idempotencyKey = idempotencyKey
        self.requestID = requestID
        self.status = status
        self.assignedTo = assignedTo
        self.extra = extra
    }

    public subscript(field: LeadField) -> String? { self.fields[field] }
}

/// A row of `leads_raw` as read back.
public struct StoredSubmission: Sendable, Equatable {
    public var id: String
    public var receivedAt: Date
    public var body: [UInt8]
    public var truncated: Bool
    public var headers: SubmissionHeaders
    public var clientAddress: String?
    public var outcome: IntakeOutcome
    public var leadID: String?
    public var error: String?

    public init(
        id: String,
        receivedAt: Date,
        body: [UInt8],
        truncated: Bool,
        headers: SubmissionHeaders,
        clientAddress: String?,
        outcome: IntakeOutcome,
        leadID: String?,
        error: String?
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.body = body
        self.truncated = truncated
        self.headers = headers
        self.clientAddress = clientAddress
        self.outcome = outcome
        self.leadID = leadID
        self.error = error
    }
}
