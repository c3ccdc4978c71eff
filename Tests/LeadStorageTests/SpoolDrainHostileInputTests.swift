import Foundation
import LeadCore
import LeadTestSupport
import Testing

@testable import LeadStorage

/// Requests that broke the old service go through the journal and the drain unchanged: byte-exact raw rows, the same
/// outcome live intake gives them, and no request that stops the drain for those behind it.
@Suite(.enabled(if: TestDatabase.postgresURL != nil), .timeLimit(.minutes(2)))
struct SpoolDrainHostileInputTests {
    static func hostileRequests() -> [RawSubmission] {
        let longValue = String(repeating: "x", count: 100_000)
        var incomplete = RawSubmission.fixture(#"{"email":"cut@exam"#, key: "hostile-incomplete")
        incomplete.bodyError = "the sender closed the connection mid-body"
        return [
            RawSubmission.fixture(#"{"email":"nul\u0000@example.com","click_id":12345,"extra":{"a":[1,null]}}"#, key: "hostile-nul"),
            RawSubmission.fixture(Array(#"{"email":""#.utf8) + [0xFF, 0xFE, 0x00, 0xC3] + Array(#""}"#.utf8), key: "hostile-utf8"),
            RawSubmission.fixture(#"{"email":"\#(longValue)@example.com"}"#, key: String(repeating: "k", count: 20_000)),
            RawSubmission.fixture(Array(#"{"email":"big@example.com","#.utf8), key: "hostile-truncated", truncated: true),
            incomplete,
            RawSubmission.fixture([], key: "hostile-empty"),
            RawSubmission.fixture("[1,2,3]", key: "hostile-array"),
            // Behind all of them, an ordinary lead must still arrive.
            SpoolFixtures.lead(1, key: "after-the-hostile-ones"),
        ]
    }

    @Test func drainsHostileRequestsByteExact() async throws {
        try await SpoolDrainTests.withDatabaseAndDirectories { database, directories in
            let requests = Self.hostileRequests()
            let spool = try SpoolFixtures.open(directories[0])
            _ = try await SpoolFixtures.append(requests, to: spool)
            spool.close()

            try await SpoolDrainTests.drainCompletely(directories[0], into: database)

            var leads = 0
            for request in requests {
                if case .lead = SubmissionInterpretation(of: request) {
                    leads += 1
                    try await SpoolDrainTests.expectLead(request, in: database)
                } else {
                    try await SpoolDrainTests.expectRaw(request, outcome: .invalid, leadID: nil, in: database)
                }
                let raw = try #require(try await database.submission(id: request.idText))
                #expect(raw.truncated == request.truncated)
                #expect(raw.error == request.bodyError)
            }
            #expect(leads >= 3)
            #expect(try await SpoolDrainTests.counts(database) == [leads, requests.count])
        }
    }
}
