/// What a raw request means: a lead to store, or a reason there is none.
public enum SubmissionInterpretation: Sendable, Equatable {
    case lead(NormalizedLead)
    case rejected(IntakeRejection)

    /// Reads a body the way senders mean it: JSON whatever the Content-Type says (PHP senders often send
    /// `text/plain`, nothing, or a form type with a JSON body), and an HTML form body as the object its fields describe.
    public init(of submission: RawSubmission) {
        if submission.bodyError != nil {
            self = .rejected(submission.bodyTimedOut ? .incompleteBody : .unreadableBody)
            return
        }
        self.init(body: submission.body, truncated: submission.truncated, contentType: submission.headers.contentType)
    }

    public init(body: [UInt8], truncated: Bool, contentType: String?) {
        if truncated {
            self = .rejected(.payloadTooLarge)
            return
        }
        do {
            guard case .object(let members) = try JSONParser.parse(body) else {
                self = .rejected(.invalidPayload)
                return
            }
            self = .lead(LeadNormalizer.normalize(members))
        } catch {
            if error != .empty, Self.isFormEncoded(contentType) {
                self = .lead(LeadNormalizer.normalize(FormDecoder.members(of: body)))
            } else {
                self = .rejected(.invalidJSON)
            }
        }
    }

    static func isFormEncoded(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        return contentType.lowercased().hasPrefix("application/x-www-form-urlencoded")
    }
}

/// Decodes `application/x-www-form-urlencoded` bodies into object members, keeping order and repeats.
enum FormDecoder {
    static func members(of body: [UInt8]) -> [(key: String, value: JSONValue)] {
        body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            return (key, .string(value))
        }
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return TextSanitizer.clean(String(decoding: output, as: UTF8.self))
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
