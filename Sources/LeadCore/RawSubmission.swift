import Foundation

/// One request to the intake endpoint exactly as it arrived: the bytes of its body (up to the size limit), the headers
/// worth keeping, when and from where. This is what `leads_raw` stores, whatever the body turns out to be.
public struct RawSubmission: Sendable, Equatable {
    /// The raw row's id; a lead created from this submission gets the same id.
    public var id: UUID {
        didSet { self.idText = RandomUUID.lowercaseText(of: self.id) }
    }
    public var receivedAt: Date
    public var body: [UInt8]
    /// The body was longer than the limit; `body` holds its first bytes only.
    public var truncated: Bool
    /// Why the body is incomplete (the sender stalled, hung up or broke the framing); `body` holds what arrived.
    public var bodyError: String?
    /// The body stopped because the sender stalled past the deadline (`408`), not because it could not be read.
    public var bodyTimedOut: Bool
    public var headers: SubmissionHeaders
    public var clientAddress: String?

    public init(
        id: UUID? = nil,
        receivedAt: Date = Date(),
        body: [UInt8],
        truncated: Bool = false,
        bodyError: String? = nil,
        bodyTimedOut: Bool = false,
        headers: SubmissionHeaders = SubmissionHeaders(),
        clientAddress: String? = nil
    ) {
        let id = id ?? RandomUUID.timeOrdered(at: receivedAt)
        self.id = id
        self.idText = RandomUUID.lowercaseText(of: id)
        self.receivedAt = receivedAt
        self.body = body
        self.truncated = truncated
        self.bodyError = bodyError
        self.bodyTimedOut = bodyTimedOut
        self.headers = headers
        self.clientAddress = clientAddress
    }

    /// The lowercase UUID text used as the row id in both tables, as the old service wrote it. Kept, not computed:
    /// the write path needs it many times per request.
    public private(set) var idText: String
}

/// The request headers kept with every raw row.
public struct SubmissionHeaders: Sendable, Equatable {
    public var contentType: String?
    public var userAgent: String?
    /// `nil` when the header is absent or blank: a blank key would otherwise make every keyless sender a duplicate.
    public var idempotencyKey: String?
    public var requestID: String?
    public var forwardedFor: String?

    public init(
        contentType: String? = nil,
        userAgent: String? = nil,
        idempotencyKey: String? = nil,
        requestID: String? = nil,
        forwardedFor: String? = nil
    ) {
        // HTTP forbids NUL in header values; cleaning anyway keeps a malformed one from failing a text column.
        self.contentType = contentType.map(TextSanitizer.clean)
        self.userAgent = userAgent.map(TextSanitizer.clean)
        let trimmedKey = idempotencyKey.map(TextSanitizer.clean)?.trimmingBlanks()
        self.idempotencyKey = trimmedKey?.isEmpty == false ? trimmedKey : nil
        self.requestID = requestID.map(TextSanitizer.clean)
        self.forwardedFor = forwardedFor.map(TextSanitizer.clean)
    }
}

extension String {
    /// The text without the blanks at either end: what `trimmingCharacters(in: .whitespaces)` gives (tab, the
    /// Unicode space separators and the zero-width space; not line breaks), without Foundation's round trip through
    /// `NSString` on every request.
    public func trimmingBlanks() -> String {
        let scalars = self.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isBlank }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.isBlank })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}

extension Unicode.Scalar {
    /// Tab, a space separator (general category Zs) or the zero-width space: the members of Foundation's
    /// `CharacterSet.whitespaces`.
    var isBlank: Bool {
        switch self.value {
        case 0x21...0x7E: false
        case 0x09, 0x20, 0x200B: true
        case ..<0x80: false
        default: self.properties.generalCategory == .spaceSeparator
        }
    }
}
