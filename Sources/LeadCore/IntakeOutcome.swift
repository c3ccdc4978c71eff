/// What became of a raw request; stored in `leads_raw.outcome`.
public enum IntakeOutcome: String, Sendable, CaseIterable {
    /// A new lead was created from it.
    case stored
    /// Its `Idempotency-Key` belonged to an existing lead; the raw row links to that lead.
    case duplicate
    /// It was not a JSON object (or was too large); kept for inspection, no lead.
    case invalid
    /// Making the lead failed; the raw row is kept for `leadcrm replay`.
    case failed
    /// Accepted into the local spool while the database was away.
    case queued
}

/// Why a request produced no lead. The raw value is the public error code.
public enum IntakeRejection: String, Sendable, Equatable {
    case invalidJSON = "invalid_json"
    case invalidPayload = "invalid_payload"
    case payloadTooLarge = "payload_too_large"
    /// The body never arrived whole: the sender stalled past the body timeout.
    case incompleteBody = "request_timeout"
    /// The body could not be read: broken chunked framing, or the sender hung up mid-body.
    case unreadableBody = "bad_request"
}

/// The answer the intake path gives for one request, once it is durable.
public enum IntakeResult: Sendable, Equatable {
    case stored(leadID: String)
    case duplicate(leadID: String)
    case rejected(IntakeRejection)
    /// Kept durably but not yet as a lead; the lead will get `leadID`.
    case queued(leadID: String)
    /// Kept durably, but making the lead failed; `leadcrm replay` will give it `leadID`.
    case failed(leadID: String)

    public var outcome: IntakeOutcome {
        switch self {
        case .stored: .stored
        case .duplicate: .duplicate
        case .rejected: .invalid
        case .queued: .queued
        case .failed: .failed
        }
    }

    public var leadID: String? {
        switch self {
        case .stored(let id), .duplicate(let id), .queued(let id), .failed(let id): id
        case .rejected: nil
        }
    }
}
