import Foundation
import Hummingbird
import HummingbirdTesting
import LeadTestSupport
import Testing

/// Senders retry in bursts; one business key must still make exactly one lead, and every request must be told its id.
@Suite("Concurrent intake")
struct ConcurrentIntakeTests {
    static let requestCount = 50

    @Test("50 parallel requests with one new Idempotency-Key: one 201, 49 × 409, one lead", arguments: Backend.available)
    func parallelDuplicates(backend: Backend) async throws {
        try await TestApplication.run(on: backend) { db, client in
            let headers: HTTPFields = [.contentType: "application/json", .idempotencyKey: "burst-\(UUID().uuidString)"]
            let answers = try await withThrowingTaskGroup(of: (status: HTTPResponse.Status, leadID: String?).self) { group in
                for index in 0..<Self.requestCount {
                    group.addTask {
                        let response = try await client.postLead(#"{"email":"burst@example.com","marker":"\#(index)"}"#, headers: headers)
                        return (response.status, try response.jsonObject()["lead_id"]?.string)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .created }.count == 1)
            #expect(answers.filter { $0.status == .conflict }.count == Self.requestCount - 1)
            let leadIDs = Set(answers.map(\.leadID))
            #expect(leadIDs.count == 1 && !leadIDs.contains(nil), "lead ids: \(leadIDs)")
            #expect(try await db.store.leadCount() == 1)
            #expect(try await db.store.submissionCount() == Self.requestCount)
        }
    }
}
