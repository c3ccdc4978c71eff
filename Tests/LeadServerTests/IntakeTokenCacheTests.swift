import Foundation
import HTTPTypes
import Hummingbird
import LeadCore
import LeadStorage
import LeadTestSupport
import Synchronization
import Testing

@testable import LeadServer

/// `INTAKE_AUTH=required` must not turn a database outage into lost leads: a token intake has seen valid keeps
/// working while the database cannot be asked, and a revoked one stops once the cache is stale.
@Suite("Intake token cache")
struct IntakeTokenCacheTests {
    @Test("a token seen valid keeps working while the database is away; an unseen one is unavailable, not unauthorized")
    func outage() async throws {
        try await TestDatabase.with(.sqlite) { db in
            let crm = OutageCRM(SQLCRMStore(behind: db.store)!)
            let user = try await crm.createUser(name: "sender", role: .read)
            let (token, _) = try await APIToken.issue(for: user, in: crm)
            let (unseen, _) = try await APIToken.issue(for: user, in: crm)
            let cache = IntakeTokenCache(crm: crm, freshFor: .zero)

            #expect(try await cache.authenticate(Self.request(token)).name == "sender")
            crm.down.store(true, ordering: .relaxed)
            #expect(try await cache.authenticate(Self.request(token)).name == "sender")
            await #expect(throws: LeadStoreError.self) { try await cache.authenticate(Self.request(unseen)) }
        }
    }

    @Test("a revoked token is refused once its cache entry is stale; a wrong secret never passes")
    func revocation() async throws {
        try await TestDatabase.with(.sqlite) { db in
            let crm = SQLCRMStore(behind: db.store)!
            let user = try await crm.createUser(name: "sender", role: .read)
            let (token, id) = try await APIToken.issue(for: user, in: crm)
            let cache = IntakeTokenCache(crm: crm, freshFor: .zero)
            #expect(try await cache.authenticate(Self.request(token)).id == user.id)

            let forged = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
            await #expect(throws: APIError.self) { try await cache.authenticate(Self.request(forged)) }
            await #expect(throws: APIError.self) { try await cache.authenticate(Self.request(nil)) }

            #expect(try await crm.revokeToken(id: id))
            await #expect(throws: APIError.self) { try await cache.authenticate(Self.request(token)) }
        }
    }

    static func request(_ token: String?) -> Request {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        let head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/lead", headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer()))
    }
}

/// A CRM whose token lookups fail as `unavailable` while `down` is set, as PostgreSQL's do during an outage.
final class OutageCRM: CRMStore {
    let base: any CRMStore
    let down = Atomic<Bool>(false)

    init(_ base: any CRMStore) {
        self.base = base
    }

    func token(id: String) async throws -> StoredToken? {
        if self.down.load(ordering: .relaxed) { throw LeadStoreError.unavailable("test outage") }
        return try await self.base.token(id: id)
    }

    func createUser(name: String, role: Role) async throws -> User { try await self.base.createUser(name: name, role: role) }
    func users() async throws -> [User] { try await self.base.users() }
    func user(named name: String) async throws -> User? { try await self.base.user(named: name) }
    func user(id: Int) async throws -> User? { try await self.base.user(id: id) }
    func addToken(id: String, userID: Int, secretDigest: [UInt8]) async throws {
        try await self.base.addToken(id: id, userID: userID, secretDigest: secretDigest)
    }
    func tokens(userID: Int?) async throws -> [StoredToken] { try await self.base.tokens(userID: userID) }
    func revokeToken(id: String) async throws -> Bool { try await self.base.revokeToken(id: id) }
    func leads(matching filter: LeadFilter, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [LeadRecord] {
        try await self.base.leads(matching: filter, order: order, after: cursor, limit: limit)
    }
    func leadRecord(id: String) async throws -> LeadRecord? { try await self.base.leadRecord(id: id) }
    func submissionRecords(forLead id: String) async throws -> [SubmissionRecord] { try await self.base.submissionRecords(forLead: id) }
    func submissionRecords(outcome: IntakeOutcome?, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [SubmissionRecord] {
        try await self.base.submissionRecords(outcome: outcome, order: order, after: cursor, limit: limit)
    }
    func updateLead(id: String, change: LeadChange, expectedRevision: Int?, actor: User) async throws -> LeadUpdateResult {
        try await self.base.updateLead(id: id, change: change, expectedRevision: expectedRevision, actor: actor)
    }
    func events(forLead id: String) async throws -> [LeadEvent]? { try await self.base.events(forLead: id) }
    func eraseLead(id: String, actor: User) async throws -> LeadRecord? { try await self.base.eraseLead(id: id, actor: actor) }
}
