import Foundation
import LeadCore
import Testing

extension RawSubmission {
    /// A submission as the HTTP layer would build it, with every kept header set so the tests see each one survive.
    /// The time is whole milliseconds because the tables keep `TIMESTAMP(3)`.
    static func fixture(
        _ body: [UInt8],
        key: String? = nil,
        requestID: String? = "req-1",
        truncated: Bool = false
    ) -> RawSubmission {
        let milliseconds = (Date().timeIntervalSince1970 * 1000).rounded(.down)
        return RawSubmission(
            receivedAt: Date(timeIntervalSince1970: milliseconds / 1000),
            body: body,
            truncated: truncated,
            headers: SubmissionHeaders(
                contentType: "application/json",
                userAgent: "PHP-curl/8.1",
                idempotencyKey: key,
                requestID: requestID,
                forwardedFor: "203.0.113.7, 10.0.0.1"
            ),
            clientAddress: "10.0.0.1"
        )
    }

    static func fixture(_ json: String, key: String? = nil, requestID: String? = "req-1") -> RawSubmission {
        self.fixture(Array(json.utf8), key: key, requestID: requestID)
    }
}

extension LeadStore {
    /// Records a submission read the way the intake route reads it.
    func record(_ submission: RawSubmission) async throws -> IntakeResult {
        try await self.record(submission, as: SubmissionInterpretation(of: submission))
    }

    /// The one raw row of a request; fails the test when it is missing.
    func requireSubmission(_ submission: RawSubmission, sourceLocation: SourceLocation = #_sourceLocation) async throws -> StoredSubmission {
        try #require(try await self.submission(id: submission.idText), sourceLocation: sourceLocation)
    }
}

/// The members of a JSON object text, by key: PostgreSQL's `jsonb` reorders and respaces what SQLite keeps as written.
func jsonMembers(_ text: String?) throws -> [String: JSONValue] {
    guard let text, case .object(let members) = try JSONParser.parse(Array(text.utf8)) else { return [:] }
    return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
}

/// True when `date` is the time that was stored, to the millisecond the columns keep.
func isSameMillisecond(_ date: Date, _ expected: Date) -> Bool {
    abs(date.timeIntervalSince(expected)) < 0.001
}
