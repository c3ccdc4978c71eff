import Foundation
import LeadCore
import LeadStorage
import LeadTestSupport
import Testing

/// The CRM store on every backend: what erasure leaves for replay, changes that change nothing, token revocation
/// and unique user names.
@Suite struct CRMStoreTests {
    static func crm(_ db: TestDatabase) throws -> SQLCRMStore {
        try #require(SQLCRMStore(behind: db.store))
    }

    @Test(arguments: Backend.available)
    func replaySkipsErasedRequests(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let crm = try Self.crm(db)
            let admin = try await crm.createUser(name: "ada", role: .admin)
            let erased = RawSubmission.fixture(#"{"email":"erase@example.com"}"#, key: "erase-key")
            let erasedRetry = RawSubmission.fixture(#"{"email":"erase@example.com","try":2}"#, key: "erase-key")
            let kept = RawSubmission.fixture(#"{"email":"keep@example.com"}"#, key: "keep-key")
            #expect(try await db.store.record(erased) == .stored(leadID: erased.idText))
            #expect(try await db.store.record(erasedRetry) == .duplicate(leadID: erased.idText))
            #expect(try await db.store.record(kept) == .stored(leadID: kept.idText))
            // A request still waiting for replay, not part of the erased lead.
            try await db.breakLeadInserts()
            let pending = RawSubmission.fixture(#"{"email":"pending@example.com"}"#, key: "pending-key")
            #expect(try await db.store.record(pending) == .failed(leadID: pending.idText))
            try await db.restoreLeadInserts()

            let all = ReplaySelection(scope: .all)
            #expect(try await db.store.countSubmissions(matching: all) == 4)
            #expect(try await crm.eraseLead(id: erased.idText, actor: admin)?.erasedAt != nil)

            let remaining = try await db.store.submissions(matching: all, after: nil, limit: 100)
            #expect(Set(remaining.map(\.id)) == [kept.idText, pending.idText])
            #expect(try await db.store.countSubmissions(matching: all) == 2)
            let pendingOnly = try await db.store.submissions(matching: ReplaySelection(), after: nil, limit: 100)
            #expect(pendingOnly.map(\.id) == [pending.idText])
            // Paging past the erased rows still finds the rest.
            var paged: [String] = []
            var cursor: ReplayCursor?
            while true {
                let page = try await db.store.submissions(matching: all, after: cursor, limit: 1)
                guard let last = page.last else { break }
                paged += page.map(\.id)
                cursor = ReplayCursor(receivedAt: last.receivedAt, id: last.id)
            }
            #expect(Set(paged) == [kept.idText, pending.idText])
            #expect(paged.count == 2)
        }
    }

    @Test(arguments: Backend.available)
    func updateWithoutARealChangeKeepsTheRevision(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let crm = try Self.crm(db)
            let manager = try await crm.createUser(name: "max", role: .manage)
            let lead = RawSubmission.fixture(#"{"email":"same@example.com"}"#)
            _ = try await db.store.record(lead)

            let change = LeadChange(status: "in_work", assignedTo: .some(manager.id), note: .some("call back"))
            guard case .updated(let changed) = try await crm.updateLead(id: lead.idText, change: change, expectedRevision: 0, actor: manager) else {
                Issue.record("the first change was not applied")
                return
            }
            #expect(changed.revision == 1)
            let eventsBefore = try #require(try await crm.events(forLead: lead.idText))

            let unchanged: [LeadChange] = [
                LeadChange(),
                change,
                LeadChange(status: "in_work"),
                LeadChange(assignedTo: .some(manager.id)),
                LeadChange(note: .some("call back")),
            ]
            for same in unchanged {
                let result = try await crm.updateLead(id: lead.idText, change: same, expectedRevision: nil, actor: manager)
                #expect(result == .updated(changed), "\(same)")
                // The current revision is still the expected one.
                let guarded = try await crm.updateLead(id: lead.idText, change: same, expectedRevision: 1, actor: manager)
                #expect(guarded == .updated(changed), "\(same)")
            }
            let record = try #require(try await crm.leadRecord(id: lead.idText))
            #expect(record.revision == 1)
            #expect(record.updatedAt == changed.updatedAt)
            #expect(try await crm.events(forLead: lead.idText) == eventsBefore)

            // A stale revision is refused even when nothing would change.
            #expect(try await crm.updateLead(id: lead.idText, change: LeadChange(), expectedRevision: 0, actor: manager) == .revisionMismatch)
            // A real change after all that bumps it once.
            let cleared = try await crm.updateLead(id: lead.idText, change: LeadChange(note: .some(nil)), expectedRevision: 1, actor: manager)
            guard case .updated(let after) = cleared else {
                Issue.record("clearing the note was not applied: \(cleared)")
                return
            }
            #expect(after.revision == 2)
            #expect(after.note == nil)
        }
    }

    @Test(arguments: Backend.available)
    func revokingATokenTwiceIsNotAnError(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let crm = try Self.crm(db)
            let user = try await crm.createUser(name: "rita", role: .read)
            let digest = [UInt8](repeating: 7, count: 32)
            try await crm.addToken(id: "0123456789abcdef", userID: user.id, secretDigest: digest)
            try await crm.addToken(id: "fedcba9876543210", userID: user.id, secretDigest: digest)

            #expect(try await crm.revokeToken(id: "0123456789abcdef") == true)
            let revokedAt = try #require(try await crm.token(id: "0123456789abcdef")?.revokedAt)
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await crm.revokeToken(id: "0123456789abcdef") == true)
            // Revoking again keeps the first revocation's time.
            #expect(try await crm.token(id: "0123456789abcdef")?.revokedAt == revokedAt)
            #expect(try await crm.revokeToken(id: "0000000000000000") == false)
            #expect(try await crm.revokeToken(id: "") == false)

            let other = try #require(try await crm.token(id: "fedcba9876543210"))
            #expect(other.revokedAt == nil)
            #expect(other.user == user)
            #expect(other.secretDigest == digest)
            let tokens = try await crm.tokens(userID: user.id)
            #expect(tokens.map(\.id).sorted() == ["0123456789abcdef", "fedcba9876543210"])
            #expect(tokens.filter { $0.revokedAt != nil }.map(\.id) == ["0123456789abcdef"])
        }
    }

    @Test(arguments: Backend.available)
    func userNamesAreUnique(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let crm = try Self.crm(db)
            let anna = try await crm.createUser(name: "anna", role: .manage)
            #expect(anna.name == "anna" && anna.role == .manage)
            await #expect(throws: CRMError.nameTaken) {
                _ = try await crm.createUser(name: "anna", role: .admin)
            }
            await #expect(throws: CRMError.nameTaken) {
                _ = try await crm.createUser(name: "anna", role: .manage)
            }
            #expect(try await crm.users() == [anna])
            #expect(try await crm.user(named: "anna") == anna)
            #expect(try await crm.user(id: anna.id) == anna)
            let other = try await crm.createUser(name: "Anna", role: .read)
            #expect(other.id != anna.id)
            #expect(try await crm.users().map(\.name) == ["anna", "Anna"])
        }
    }

    @Test(arguments: Backend.available)
    func erasingTwiceIsANoOp(backend: Backend) async throws {
        try await TestDatabase.with(backend) { db in
            let crm = try Self.crm(db)
            let admin = try await crm.createUser(name: "ada", role: .admin)
            let lead = RawSubmission.fixture(#"{"email":"twice@example.com","phone":"+49 1"}"#)
            _ = try await db.store.record(lead)
            let first = try #require(try await crm.eraseLead(id: lead.idText, actor: admin))
            #expect(first.erasedAt != nil)
            #expect(first.lead.fields.isEmpty)
            let second = try #require(try await crm.eraseLead(id: lead.idText, actor: admin))
            #expect(second == first)
            #expect(try await crm.events(forLead: lead.idText)?.filter { $0.kind == .erased }.count == 1)
            #expect(try await crm.eraseLead(id: "00000000-0000-0000-0000-000000000000", actor: admin) == nil)
            #expect(try await crm.leads(matching: LeadFilter(), order: .descending, after: nil, limit: 10).isEmpty)
        }
    }
}
