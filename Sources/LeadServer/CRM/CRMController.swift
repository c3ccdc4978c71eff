import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import LeadCore
import Logging

/// The CRM API (docs/crm-api.md): find, work, export and erase leads; users and tokens. Every route needs a bearer
/// token whose role may do what it asks.
struct CRMController {
    let crm: any CRMStore
    let statuses: [String]
    let logger: Logger

    static let defaultLimit = 50
    static let maximumLimit = 500
    /// Largest JSON body a CRM route reads (a PATCH or a new user is a few hundred bytes).
    static let maximumBody = 64 * 1024

    func addRoutes(to router: Router<LeadRequestContext>) {
        router.get("/api/leads") { request, _ in
            try await self.authorized(request, .read) { _ in try await self.list(request) }
        }
        router.get("/api/leads.csv") { request, _ in
            try await self.authorized(request, .manage) { _ in try self.export(request) }
        }
        router.get("/api/leads/:id") { request, context in
            try await self.authorized(request, .read) { _ in try await self.show(try Self.id(context)) }
        }
        router.patch("/api/leads/:id") { request, context in
            try await self.authorized(request, .manage) { user in try await self.update(request, id: try Self.id(context), by: user) }
        }
        router.delete("/api/leads/:id") { request, context in
            try await self.authorized(request, .admin) { user in try await self.erase(id: try Self.id(context), by: user) }
        }
        router.get("/api/leads/:id/events") { request, context in
            try await self.authorized(request, .read) { _ in try await self.events(id: try Self.id(context)) }
        }
        router.get("/api/raw") { request, _ in
            try await self.authorized(request, .read) { _ in try await self.raw(request) }
        }
        router.get("/api/users") { request, _ in
            try await self.authorized(request, .read) { _ in
                let users = try await self.crm.users()
                return JSONResponse.make(.ok, [("ok", .bool(true)), ("users", .array(users.map(CRMJSON.user)))])
            }
        }
        router.post("/api/users") { request, _ in
            try await self.authorized(request, .admin) { _ in try await self.createUser(request) }
        }
        router.post("/api/users/:id/tokens") { request, context in
            try await self.authorized(request, .admin) { _ in try await self.createToken(userID: try Self.id(context)) }
        }
        router.delete("/api/tokens/:id") { request, context in
            try await self.authorized(request, .admin) { _ in
                guard try await self.crm.revokeToken(id: try Self.id(context)) else { throw Self.notFound }
                return JSONResponse.make(.ok, [("ok", .bool(true))])
            }
        }
    }

    // MARK: authentication

    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized", headers: [.wwwAuthenticate: "Bearer"])
    static let notFound = APIError(status: .notFound, code: "not_found")

    /// Runs `body` for the token's user when their role is at least `minimum`; 401 without a valid token, 403 for
    /// a role below it.
    func authorized(_ request: Request, _ minimum: Role, _ body: (User) async throws -> Response) async throws -> Response {
        let user = try await Self.authenticate(request, in: self.crm)
        guard user.role >= minimum else { throw APIError(status: .forbidden, code: "forbidden") }
        return try await body(user)
    }

    static func authenticate(_ request: Request, in crm: any CRMStore) async throws -> User {
        guard let token = self.bearerToken(request), let user = try await APIToken.verify(token, in: crm) else { throw self.unauthorized }
        return user
    }

    /// The token of an `Authorization: Bearer <token>` header.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    static func id(_ context: LeadRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty else { throw self.notFound }
        return id
    }

    // MARK: leads

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let filter = try Self.filter(query)
        let order = try Self.order(query)
        let cursor = try Self.cursor(query, order: order)
        let limit = try Self.limit(query)
        let records = try await self.crm.leads(matching: filter, order: order, after: cursor, limit: limit + 1)
        let page = records.prefix(limit)
        let next = records.count > limit ? page.last.map { Self.encode(PageCursor(time: $0.lead.createdAt, id: $0.lead.id), order: order) } : nil
        return JSONResponse.make(
            .ok,
            [("ok", .bool(true)), ("leads", .array(page.map(CRMJSON.lead))), ("next_cursor", next.map { JSONValue.string($0) } ?? .null)]
        )
    }

    func show(_ id: String) async throws -> Response {
        guard let record = try await self.crm.leadRecord(id: id), record.erasedAt == nil else { throw Self.notFound }
        let submissions = try await self.crm.submissionRecords(forLead: id)
        return JSONResponse.make(
            .ok,
            [("ok", .bool(true)), ("lead", CRMJSON.lead(record)), ("submissions", .array(submissions.map(CRMJSON.submission)))],
            headers: [.eTag: Self.eTag(record)]
        )
    }

    static func eTag(_ record: LeadRecord) -> String {
        "\"\(record.revision)\""
    }

    func update(_ request: Request, id: String, by user: User) async throws -> Response {
        let change = try await self.change(from: request)
        var expected: Int?
        if let match = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces), match != "*" {
            // A weak or malformed tag never matches the lead's current (strong) tag.
            let quoted = match.count >= 2 && match.hasPrefix("\"") && match.hasSuffix("\"")
            expected = quoted ? Int(match.dropFirst().dropLast()) ?? -1 : -1
        }
        switch try await self.crm.updateLead(id: id, change: change, expectedRevision: expected, actor: user) {
        case .updated(let record):
            return JSONResponse.make(.ok, [("ok", .bool(true)), ("lead", CRMJSON.lead(record))], headers: [.eTag: Self.eTag(record)])
        case .notFound: throw Self.notFound
        case .revisionMismatch: throw APIError(status: .preconditionFailed, code: "precondition_failed")
        case .unknownAssignee: throw APIError(status: .unprocessableContent, code: "invalid_assignee")
        }
    }

    /// The change a `PATCH` body asks for: an object with any of `status`, `assigned_to` and `note`.
    func change(from request: Request) async throws -> LeadChange {
        let members = try await Self.jsonObject(request)
        var change = LeadChange()
        for (key, value) in members {
            switch (key, value) {
            case ("status", .string(let status)):
                guard self.statuses.contains(status) else { throw APIError(status: .unprocessableContent, code: "invalid_status") }
                change.status = status
            case ("assigned_to", .null): change.assignedTo = .some(nil)
            case ("assigned_to", .number(let text)):
                guard let id = Int(text), id > 0 else { throw APIError(status: .unprocessableContent, code: "invalid_assignee") }
                change.assignedTo = .some(id)
            case ("note", .null): change.note = .some(nil)
            case ("note", .string(let note)): change.note = .some(note)
            default: throw APIError(status: .badRequest, code: "invalid_payload")
            }
        }
        return change
    }

    /// The request's body as a JSON object: 400 `invalid_json` when it is not JSON, `invalid_payload` when it is
    /// not an object.
    static func jsonObject(_ request: Request) async throws -> [(key: String, value: JSONValue)] {
        var request = request
        let buffer = try await request.collectBody(upTo: self.maximumBody)
        guard let value = try? JSONParser.parse(Array(buffer.readableBytesView)) else {
            throw APIError(status: .badRequest, code: "invalid_json")
        }
        guard case .object(let members) = value else { throw APIError(status: .badRequest, code: "invalid_payload") }
        return members
    }

    func erase(id: String, by user: User) async throws -> Response {
        guard let record = try await self.crm.eraseLead(id: id, actor: user) else { throw Self.notFound }
        self.logger.notice("lead erased", metadata: ["lead.id": "\(id)", "user": "\(user.name)"])
        return JSONResponse.make(.ok, [("ok", .bool(true)), ("lead", CRMJSON.lead(record))], headers: [.eTag: Self.eTag(record)])
    }

    func events(id: String) async throws -> Response {
        guard let events = try await self.crm.events(forLead: id) else { throw Self.notFound }
        return JSONResponse.make(.ok, [("ok", .bool(true)), ("events", .array(events.map(CRMJSON.event)))])
    }

    func raw(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var outcome: IntakeOutcome?
        if let text = query.get("outcome") {
            guard let value = IntakeOutcome(rawValue: String(text)) else { throw Self.invalid("outcome") }
            outcome = value
        }
        try Self.rejectUnknown(query, allowed: ["outcome", "sort", "limit", "cursor"])
        let order = try Self.order(query)
        let cursor = try Self.cursor(query, order: order)
        let limit = try Self.limit(query)
        let records = try await self.crm.submissionRecords(outcome: outcome, order: order, after: cursor, limit: limit + 1)
        let page = records.prefix(limit)
        let next =
            records.count > limit
            ? page.last.map { Self.encode(PageCursor(time: $0.submission.receivedAt, id: $0.submission.id), order: order) } : nil
        return JSONResponse.make(
            .ok,
            [
                ("ok", .bool(true)), ("submissions", .array(page.map(CRMJSON.submission))),
                ("next_cursor", next.map { JSONValue.string($0) } ?? .null),
            ]
        )
    }

    // MARK: users and tokens

    func createUser(_ request: Request) async throws -> Response {
        let members = try await Self.jsonObject(request)
        var name: String?
        var role: Role?
        for (key, value) in members {
            switch (key, value) {
            case ("name", .string(let text)) where UserName.isValid(text): name = text
            case ("role", .string(let text)) where Role(rawValue: text) != nil: role = Role(rawValue: text)
            default: throw APIError(status: .badRequest, code: "invalid_payload")
            }
        }
        guard let name, let role else { throw APIError(status: .badRequest, code: "invalid_payload") }
        let user: User
        do {
            user = try await self.crm.createUser(name: name, role: role)
        } catch CRMError.nameTaken {
            throw APIError(status: .conflict, code: "name_taken")
        }
        let (token, tokenID) = try await APIToken.issue(for: user, in: self.crm)
        return JSONResponse.make(
            .created,
            [("ok", .bool(true)), ("user", CRMJSON.user(user)), ("token", .string(token)), ("token_id", .string(tokenID))]
        )
    }

    func createToken(userID text: String) async throws -> Response {
        guard let id = Int(text), let user = try await self.crm.user(id: id) else { throw Self.notFound }
        let (token, tokenID) = try await APIToken.issue(for: user, in: self.crm)
        return JSONResponse.make(.created, [("ok", .bool(true)), ("token", .string(token)), ("token_id", .string(tokenID))])
    }

    // MARK: query parameters

    static func invalid(_ parameter: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_parameter", parameter: parameter)
    }

    static let filterParameters = ["status", "assigned_to", "country", "sourcetype", "domain", "created_from", "created_to", "q"]

    static func rejectUnknown(_ query: QueryParameters, allowed: [String]) throws {
        for (name, _) in query where !allowed.contains(String(name)) {
            throw self.invalid(String(name))
        }
    }

    static func filter(_ query: QueryParameters, paging: Bool = true) throws -> LeadFilter {
        try self.rejectUnknown(query, allowed: self.filterParameters + (paging ? ["sort", "limit", "cursor"] : ["sort"]))
        var filter = LeadFilter()
        filter.status = query.get("status").map { String($0) }
        filter.country = query.get("country").map { String($0) }
        filter.sourcetype = query.get("sourcetype").map { String($0) }
        filter.domain = query.get("domain").map { String($0) }
        filter.search = query.get("q").map { String($0) }
        if let text = query.get("assigned_to") {
            if text == "none" {
                filter.assignedTo = LeadFilter.Assignee.nobody
            } else if text.count <= 9, text.allSatisfy(\.isASCII), let id = Int(text), id >= 0 {
                filter.assignedTo = .user(id)
            } else {
                throw self.invalid("assigned_to")
            }
        }
        filter.createdFrom = try self.time(query, "created_from")
        filter.createdTo = try self.time(query, "created_to")
        return filter
    }

    static func time(_ query: QueryParameters, _ name: String) throws -> Date? {
        guard let text = query.get(name).map({ String($0) }) else { return nil }
        guard let date = Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z") else { throw self.invalid(name) }
        return date
    }

    static func order(_ query: QueryParameters) throws -> ListOrder {
        guard let text = query.get("sort") else { return .descending }
        guard let order = ListOrder(rawValue: String(text)) else { throw self.invalid("sort") }
        return order
    }

    static func limit(_ query: QueryParameters) throws -> Int {
        guard let text = query.get("limit") else { return self.defaultLimit }
        guard let limit = Int(text), (1...self.maximumLimit).contains(limit) else { throw self.invalid("limit") }
        return limit
    }

    /// Cursors are base64url of `<sort>|<time>|<id>`: opaque to clients, and only valid with the sort they came from.
    static func encode(_ cursor: PageCursor, order: ListOrder) -> String {
        Data("\(order.rawValue)|\(Timestamp.format(cursor.time))|\(cursor.id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func cursor(_ query: QueryParameters, order: ListOrder) throws -> PageCursor? {
        guard let text = query.get("cursor") else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8) else { throw self.invalid("cursor") }
        let parts = decoded.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == order.rawValue, let time = Timestamp.parse(String(parts[1])), !parts[2].isEmpty else {
            throw self.invalid("cursor")
        }
        return PageCursor(time: time, id: String(parts[2]))
    }
}

/// User names: 1–100 Unicode scalars (what JSON Schema's `maxLength` counts), no control characters, not only spaces.
public enum UserName {
    public static func isValid(_ name: String) -> Bool {
        !name.trimmingCharacters(in: .whitespaces).isEmpty && name.unicodeScalars.count <= 100
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{0}" }
    }
}

typealias QueryParameters = FlatDictionary<Substring, Substring>
