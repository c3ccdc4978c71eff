import Crypto
import Foundation
import LeadCore

/// The CRM on either backend: one set of queries, written in the SQL both PostgreSQL and SQLite speak, with the
/// few differences (placeholders, time types, `extra`'s type) handled by `SQLBuilder` and the dialect.
public struct SQLCRMStore: CRMStore {
    let database: any SQLDatabase

    init(database: any SQLDatabase) {
        self.database = database
    }

    public init(postgres store: PostgresLeadStore) {
        self.init(database: PostgresSQLDatabase(store: store))
    }

    public init(sqlite store: SQLiteLeadStore) {
        self.init(database: SQLiteSQLDatabase(database: store.database))
    }

    var dialect: SQLDialect { self.database.dialect }

    // MARK: users and tokens

    static let userColumns = #""leadcrm_users"."id" AS "user_id", "name", "role", "leadcrm_users"."created_at" AS "user_created_at""#

    public func createUser(name: String, role: Role) async throws -> User {
        try await self.database.transaction { database in
            let taken = try await database.query { query in #"SELECT 1 AS "taken" FROM "leadcrm_users" WHERE "name" = \#(query.bind(name))"# }
            guard taken.isEmpty else { throw CRMError.nameTaken }
            _ = try await database.query { query in
                """
                INSERT INTO "leadcrm_users" ("name", "role", "created_at")
                VALUES (\(query.bind(name)), \(query.bind(role.rawValue)), \(query.bind(.time(Date()))))
                """
            }
            let rows = try await database.query { query in #"SELECT \#(Self.userColumns) FROM "leadcrm_users" WHERE "name" = \#(query.bind(name))"# }
            guard let row = rows.first else { throw LeadStoreInconsistency(description: "the new user was not found") }
            return try Self.user(from: row)
        }
    }

    public func users() async throws -> [User] {
        try await self.database.query(#"SELECT \#(Self.userColumns) FROM "leadcrm_users" ORDER BY "id""#, []).map(Self.user(from:))
    }

    public func user(named name: String) async throws -> User? {
        var query = SQLBuilder(self.dialect)
        let sql = #"SELECT \#(Self.userColumns) FROM "leadcrm_users" WHERE "name" = \#(query.bind(name))"#
        return try await self.database.query(query, sql).first.map(Self.user(from:))
    }

    public func user(id: Int) async throws -> User? {
        var query = SQLBuilder(self.dialect)
        let sql = #"SELECT \#(Self.userColumns) FROM "leadcrm_users" WHERE "id" = \#(query.bind(.integer(id)))"#
        return try await self.database.query(query, sql).first.map(Self.user(from:))
    }

    public func addToken(id: String, userID: Int, secretDigest: [UInt8]) async throws {
        _ = try await self.database.query { query in
            """
            INSERT INTO "leadcrm_tokens" ("id", "user_id", "secret_sha256", "created_at")
            VALUES (\(query.bind(id)), \(query.bind(.integer(userID))), \(query.bind(.bytes(secretDigest))), \(query.bind(.time(Date()))))
            """
        }
    }

    static let tokenQuery = """
        SELECT "leadcrm_tokens"."id" AS "token_id", "secret_sha256", "leadcrm_tokens"."created_at" AS "token_created_at",
            "revoked_at", \(userColumns)
        FROM "leadcrm_tokens" JOIN "leadcrm_users" ON "leadcrm_users"."id" = "leadcrm_tokens"."user_id"
        """

    public func token(id: String) async throws -> StoredToken? {
        var query = SQLBuilder(self.dialect)
        let sql = #"\#(Self.tokenQuery) WHERE "leadcrm_tokens"."id" = \#(query.bind(id))"#
        return try await self.database.query(query, sql).first.map(Self.token(from:))
    }

    public func tokens(userID: Int?) async throws -> [StoredToken] {
        var query = SQLBuilder(self.dialect)
        let condition = userID.map { #"WHERE "leadcrm_tokens"."user_id" = \#(query.bind(.integer($0)))"# } ?? ""
        let sql = #"\#(Self.tokenQuery) \#(condition) ORDER BY "leadcrm_tokens"."created_at", "leadcrm_tokens"."id""#
        return try await self.database.query(query, sql).map(Self.token(from:))
    }

    public func revokeToken(id: String) async throws -> Bool {
        let rows = try await self.database.query { query in
            """
            UPDATE "leadcrm_tokens" SET "revoked_at" = coalesce("revoked_at", \(query.bind(.time(Date()))))
            WHERE "id" = \(query.bind(id)) RETURNING "id"
            """
        }
        return !rows.isEmpty
    }

    static func user(from row: SQLRow) throws -> User {
        guard let id = row.integer("user_id"), let role = Role(rawValue: try row.requiredText("role")) else {
            throw LeadStoreInconsistency(description: "a user row without id or with an unknown role")
        }
        return User(id: id, name: try row.requiredText("name"), role: role, createdAt: try row.requiredTime("user_created_at"))
    }

    static func token(from row: SQLRow) throws -> StoredToken {
        StoredToken(
            id: try row.requiredText("token_id"),
            user: try self.user(from: row),
            secretDigest: row.bytes("secret_sha256") ?? [],
            createdAt: try row.requiredTime("token_created_at"),
            revokedAt: row.time("revoked_at")
        )
    }

    // MARK: leads

    var leadColumns: String {
        let extra = self.dialect == .postgres ? #""extra"::text AS "extra""# : #""extra""#
        return """
            "id", "created_at", "updated_at", \(LeadField.allCases.map { "\"\($0.column)\"" }.joined(separator: ", ")),
            "idempotency_key", "x_request_id", "status", "assigned_to", \(extra), "note", "revision", "erased_at"
            """
    }

    /// What `q` searches; the PostgreSQL trigram index is on exactly this expression. SQLite's own `lower` folds
    /// ASCII only, so there it is `leadcrm_lower`, Swift's lowercasing (installed on the connection).
    var searchExpression: String {
        let lower = self.dialect == .postgres ? "lower" : SQLiteLeadStore.lowercaseFunction
        return "\(lower)(\(Self.searchedText))"
    }

    static let searchedText = """
        substr(coalesce("email", '') || ' ' || coalesce("phone", '') || ' ' || coalesce("first_name", '') || ' ' \
        || coalesce("last_name", '') || ' ' || coalesce("click_id", ''), 1, 1000)
        """

    public func leads(matching filter: LeadFilter, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [LeadRecord] {
        guard let search = filter.search, !search.isEmpty else {
            return try await self.leads(filter, order: order, after: cursor, limit: limit, search: .none)
        }
        guard self.dialect == .postgres else {
            return try await self.leads(filter, order: order, after: cursor, limit: limit, search: .scan(search))
        }
        // A common term (a name) fills a page from the newest few thousand leads at once, where the trigram index
        // would have to fetch and sort every match; a rare one falls through to the index. A term with a run of
        // digits (a phone, a click id, a numbered address) is rare: it goes to the index at once.
        if !Self.hasDigitWord(search) {
            let recent = try await self.leads(filter, order: order, after: cursor, limit: limit, search: .recent(search))
            if recent.count == limit { return recent }
        }
        return try await self.leads(filter, order: order, after: cursor, limit: limit, search: .indexed(search))
    }

    /// How a `q` term is looked for.
    enum SearchPlan {
        case none
        /// Every candidate row is tested.
        case scan(String)
        /// Only the newest `recentWindow` rows (in the page's order) that pass the other filters are tested.
        case recent(String)
        /// The trigram index finds candidates by the term's most distinctive part; every candidate is then tested
        /// against the whole term (an expression the index does not cover, so the index is asked only for that part).
        case indexed(String)
    }

    static let recentWindow = 5000

    func leads(_ filter: LeadFilter, order: ListOrder, after cursor: PageCursor?, limit: Int, search: SearchPlan) async throws -> [LeadRecord] {
        var query = SQLBuilder(self.dialect)
        var conditions = [#""erased_at" IS NULL"#]
        if let status = filter.status { conditions.append(#""status" = \#(query.bind(status))"#) }
        switch filter.assignedTo {
        case .user(let id)?: conditions.append(#""assigned_to" = \#(query.bind(.integer(id)))"#)
        case .nobody?: conditions.append(#""assigned_to" IS NULL"#)
        case nil: break
        }
        for (column, value) in [("country", filter.country), ("sourcetype", filter.sourcetype), ("domain", filter.domain)] {
            if let value { conditions.append(#""\#(column)" = \#(query.bind(value))"#) }
        }
        if let from = filter.createdFrom { conditions.append(#""created_at" >= \#(query.bind(.time(from)))"#) }
        if let to = filter.createdTo { conditions.append(#""created_at" < \#(query.bind(.time(to)))"#) }
        conditions += Self.keyset(column: "created_at", order: order, after: cursor, query: &query)
        let direction = order == .ascending ? "ASC" : "DESC"
        let ordering = #"ORDER BY "created_at" \#(direction), "id" \#(direction)"#
        var source = #""leads""#
        switch search {
        case .none:
            break
        case .scan(let term):
            conditions.append(#"\#(self.searchExpression) LIKE \#(query.bind(Self.likePattern(term))) ESCAPE '\'"#)
        case .recent(let term):
            source = """
                (SELECT \(self.leadColumns), \(self.searchExpression) AS "searched" FROM "leads"
                WHERE \(conditions.joined(separator: " AND ")) \(ordering) LIMIT \(Self.recentWindow)) AS "recent"
                """
            conditions = [#""searched" LIKE \#(query.bind(Self.likePattern(term))) ESCAPE '\'"#]
        case .indexed(let term):
            conditions.append(#"\#(self.searchExpression) LIKE \#(query.bind(Self.likePattern(Self.distinctiveWord(of: term)))) ESCAPE '\'"#)
            conditions.append(#"(\#(self.searchExpression) || '') LIKE \#(query.bind(Self.likePattern(term))) ESCAPE '\'"#)
        }
        let columns = source == #""leads""# ? self.leadColumns : "*"
        let sql = """
            SELECT \(columns) FROM \(source) WHERE \(conditions.joined(separator: " AND "))
            \(ordering) LIMIT \(query.bind(.integer(limit)))
            """
        return try await self.database.query(query, sql).map(Self.leadRecord(from:))
    }

    /// The part of a search term the trigram index narrows best by. `pg_trgm` indexes words (runs of letters and
    /// digits) and must read every posting list the pattern names, so common words such as `example` or `com` make
    /// a long term slow. A word of three or more digits (a phone, a number in an address or click id) is far rarer
    /// than any name, so it alone finds the candidates; without one, the whole term does (its words together narrow
    /// better than any one of them).
    static func distinctiveWord(of term: String) -> String {
        let best = self.words(of: term).max { Self.digits(in: $0) < Self.digits(in: $1) }
        guard let best, Self.digits(in: best) >= 3 else { return term }
        return String(best)
    }

    static func hasDigitWord(_ term: String) -> Bool {
        self.words(of: term).contains { Self.digits(in: $0) >= 3 }
    }

    /// What `pg_trgm` takes for words: runs of letters and digits.
    static func words(of term: String) -> [Substring] {
        term.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
    }

    static func digits(in word: Substring) -> Int {
        word.filter(\.isNumber).count
    }

    /// Rows after the cursor in (time, id) order. The first condition lets an index on the time column alone
    /// narrow the range; the row comparison settles ties.
    static func keyset(column: String, order: ListOrder, after cursor: PageCursor?, query: inout SQLBuilder) -> [String] {
        guard let cursor else { return [] }
        let time = query.bind(.time(cursor.time))
        let id = query.bind(cursor.id)
        let (loose, strict) = order == .ascending ? (">=", ">") : ("<=", "<")
        return [#""\#(column)" \#(loose) \#(time)"#, #"("\#(column)", "id") \#(strict) (\#(time), \#(id))"#]
    }

    /// `%text%` for a case-insensitive `LIKE`, with `\`, `%` and `_` in the text matching only themselves.
    static func likePattern(_ text: String) -> String {
        var pattern = "%"
        for character in text.lowercased() {
            if character == "\\" || character == "%" || character == "_" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }

    public func leadRecord(id: String) async throws -> LeadRecord? {
        try await Self.leadRecord(id: id, in: self.database)
    }

    static func leadRecord(id: String, in database: any SQLDatabase, lock: Bool = false) async throws -> LeadRecord? {
        var query = SQLBuilder(database.dialect)
        let columns = SQLCRMStore(database: database).leadColumns
        let forUpdate = lock && database.dialect == .postgres ? " FOR UPDATE" : ""
        let sql = #"SELECT \#(columns) FROM "leads" WHERE "id" = \#(query.bind(id))\#(forUpdate)"#
        return try await database.query(query, sql).first.map(Self.leadRecord(from:))
    }

    static func leadRecord(from row: SQLRow) throws -> LeadRecord {
        var fields: [LeadField: String] = [:]
        for field in LeadField.allCases {
            fields[field] = row.text(field.column)
        }
        let lead = StoredLead(
            id: try row.requiredText("id"),
            createdAt: try row.requiredTime("created_at"),
            fields: fields,
            idempotencyKey: row.text("idempotency_key"),
            requestID: row.text("x_request_id"),
            status: try row.requiredText("status"),
            assignedTo: row.integer("assigned_to"),
            extra: row.text("extra")
        )
        return LeadRecord(
            lead: lead,
            updatedAt: row.time("updated_at"),
            note: row.text("note"),
            revision: row.integer("revision") ?? 0,
            erasedAt: row.time("erased_at")
        )
    }

    // MARK: raw requests

    static let submissionColumns = """
        "id", "createdAt", "idempotency_key", "x_request_id", "body", "truncated", "outcome", "lead_id", "client_ip",
        "content_type", "user_agent", "forwarded_for", "error", "body_sha256", "erased_at"
        """

    public func submissionRecords(forLead id: String) async throws -> [SubmissionRecord] {
        var query = SQLBuilder(self.dialect)
        let lead = query.bind(id)
        let sql = """
            SELECT \(Self.submissionColumns) FROM "leads_raw" WHERE "lead_id" = \(lead) OR "id" = \(lead)
            ORDER BY "createdAt", "id"
            """
        return try await self.database.query(query, sql).map(Self.submissionRecord(from:))
    }

    public func submissionRecords(outcome: IntakeOutcome?, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [SubmissionRecord]
    {
        var query = SQLBuilder(self.dialect)
        var conditions = ["TRUE"]
        if let outcome { conditions.append(#""outcome" = \#(query.bind(outcome.rawValue))"#) }
        conditions += Self.keyset(column: "createdAt", order: order, after: cursor, query: &query)
        let direction = order == .ascending ? "ASC" : "DESC"
        let sql = """
            SELECT \(Self.submissionColumns) FROM "leads_raw" WHERE \(conditions.joined(separator: " AND "))
            ORDER BY "createdAt" \(direction), "id" \(direction) LIMIT \(query.bind(.integer(limit)))
            """
        return try await self.database.query(query, sql).map(Self.submissionRecord(from:))
    }

    static func submissionRecord(from row: SQLRow) throws -> SubmissionRecord {
        let erasedAt = row.time("erased_at")
        let body = row.bytes("body")
        let submission = StoredSubmission(
            id: try row.requiredText("id"),
            receivedAt: try row.requiredTime("createdAt"),
            body: body ?? [],
            truncated: row.bool("truncated"),
            headers: SubmissionHeaders(
                contentType: row.text("content_type"),
                userAgent: row.text("user_agent"),
                idempotencyKey: row.text("idempotency_key"),
                requestID: row.text("x_request_id"),
                forwardedFor: row.text("forwarded_for")
            ),
            clientAddress: row.text("client_ip"),
            outcome: IntakeOutcome(rawValue: try row.requiredText("outcome")) ?? .failed,
            leadID: row.text("lead_id"),
            error: row.text("error")
        )
        return SubmissionRecord(
            submission: submission,
            body: erasedAt == nil ? (body ?? []) : nil,
            bodyDigest: row.bytes("body_sha256"),
            erasedAt: erasedAt
        )
    }

    // MARK: changes, history, erasure

    public func updateLead(id: String, change: LeadChange, expectedRevision: Int?, actor: User) async throws -> LeadUpdateResult {
        try await self.database.transaction { database in
            guard let current = try await Self.leadRecord(id: id, in: database, lock: true), current.erasedAt == nil else {
                return .notFound
            }
            if let expectedRevision, expectedRevision != current.revision { return .revisionMismatch }
            if case .some(.some(let assignee)) = change.assignedTo, try await SQLCRMStore(database: database).user(id: assignee) == nil {
                return .unknownAssignee
            }
            var events: [(LeadEvent.Kind, String?, String?)] = []
            if let status = change.status, status != current.lead.status {
                events.append((.status, current.lead.status, status))
            }
            if let assignee = change.assignedTo, assignee != current.lead.assignedTo {
                events.append((.assignee, current.lead.assignedTo.map(String.init), assignee.map(String.init)))
            }
            if let note = change.note, note != current.note {
                events.append((.note, current.note, note))
            }
            guard !events.isEmpty else { return .updated(current) }
            let now = Date()
            let assigned = (change.assignedTo ?? current.lead.assignedTo).map { SQLValue.integer($0) } ?? .null
            _ = try await database.query { query in
                """
                UPDATE "leads" SET "status" = \(query.bind(change.status ?? current.lead.status)),
                    "assigned_to" = \(query.bind(assigned)), "note" = \(query.bind(change.note ?? current.note)),
                    "revision" = "revision" + 1, "updated_at" = \(query.bind(.time(now)))
                WHERE "id" = \(query.bind(id))
                """
            }
            for (kind, from, to) in events {
                try await Self.record(kind, lead: id, from: from, to: to, by: actor, at: now, in: database)
            }
            guard let updated = try await Self.leadRecord(id: id, in: database) else { return .notFound }
            return .updated(updated)
        }
    }

    static func record(_ kind: LeadEvent.Kind, lead: String, from: String?, to: String?, by actor: User, at time: Date, in database: any SQLDatabase)
        async throws
    {
        _ = try await database.query { query in
            """
            INSERT INTO "leadcrm_lead_events" ("lead_id", "at", "user_id", "kind", "from_value", "to_value")
            VALUES (\(query.bind(lead)), \(query.bind(.time(time))), \(query.bind(.integer(actor.id))), \(query.bind(kind.rawValue)),
                \(query.bind(from)), \(query.bind(to)))
            """
        }
    }

    public func events(forLead id: String) async throws -> [LeadEvent]? {
        guard let lead = try await self.leadRecord(id: id) else { return nil }
        let raws = try await self.database.query { query in
            let leadID = query.bind(id)
            return """
                SELECT "id", "createdAt", "outcome" FROM "leads_raw"
                WHERE ("lead_id" = \(leadID) OR "id" = \(leadID)) AND "outcome" IN ('stored', 'duplicate')
                ORDER BY "createdAt", "id"
                """
        }
        var events: [LeadEvent] = try raws.map { row in
            LeadEvent(
                at: try row.requiredTime("createdAt"),
                kind: row.text("outcome") == "stored" ? .created : .duplicate,
                actor: nil,
                from: nil,
                to: nil,
                submissionID: row.text("id")
            )
        }
        if !events.contains(where: { $0.kind == .created }) {
            events.insert(LeadEvent(at: lead.lead.createdAt, kind: .created, actor: nil, from: nil, to: nil, submissionID: nil), at: 0)
        }
        let changes = try await self.database.query { query in
            """
            SELECT "e"."at", "e"."kind", "e"."user_id", "u"."name", "e"."from_value", "e"."to_value"
            FROM "leadcrm_lead_events" AS "e" LEFT JOIN "leadcrm_users" AS "u" ON "u"."id" = "e"."user_id"
            WHERE "e"."lead_id" = \(query.bind(id)) ORDER BY "e"."id"
            """
        }
        for row in changes {
            guard let kind = LeadEvent.Kind(rawValue: try row.requiredText("kind")) else { continue }
            let actor = row.integer("user_id").map { (id: $0, name: row.text("name") ?? "") }
            events.append(
                LeadEvent(
                    at: try row.requiredTime("at"), kind: kind, actor: actor, from: row.text("from_value"), to: row.text("to_value"),
                    submissionID: nil)
            )
        }
        // Stable: requests before changes made at the same millisecond, each in its own order.
        return events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    public func eraseLead(id: String, actor: User) async throws -> LeadRecord? {
        try await self.database.transaction { database in
            guard let current = try await Self.leadRecord(id: id, in: database, lock: true) else { return nil }
            let now = Date()
            let raws = try await database.query { query in
                let leadID = query.bind(id)
                return #"SELECT "id", "body" FROM "leads_raw" WHERE ("lead_id" = \#(leadID) OR "id" = \#(leadID)) AND "erased_at" IS NULL"#
            }
            for raw in raws {
                let digest = Array(SHA256.hash(data: raw.bytes("body") ?? []))
                let rawID = try raw.requiredText("id")
                _ = try await database.query { query in
                    """
                    UPDATE "leads_raw" SET "body" = NULL, "payload" = NULL, "client_ip" = NULL, "forwarded_for" = NULL,
                        "user_agent" = NULL, "error" = NULL, "body_sha256" = \(query.bind(.bytes(digest))),
                        "erased_at" = \(query.bind(.time(now)))
                    WHERE "id" = \(query.bind(rawID))
                    """
                }
            }
            // Erased already: only requests that arrived since (a sender's retry) are left to wipe.
            guard current.erasedAt == nil else {
                if !raws.isEmpty { try await Self.record(.erased, lead: id, from: nil, to: nil, by: actor, at: now, in: database) }
                return current
            }
            let wiped = LeadField.allCases.map { "\"\($0.column)\" = NULL" }.joined(separator: ", ")
            _ = try await database.query { query in
                """
                UPDATE "leads" SET \(wiped), "extra" = NULL, "note" = NULL, "revision" = "revision" + 1,
                    "updated_at" = \(query.bind(.time(now))), "erased_at" = \(query.bind(.time(now)))
                WHERE "id" = \(query.bind(id))
                """
            }
            try await Self.record(.erased, lead: id, from: nil, to: nil, by: actor, at: now, in: database)
            return try await Self.leadRecord(id: id, in: database)
        }
    }
}

extension SQLCRMStore {
    /// The CRM on the database behind an intake store (behind the spool, for PostgreSQL); `nil` for a store of
    /// another kind.
    public init?(behind store: any LeadStore) {
        switch store {
        case let postgres as PostgresLeadStore: self.init(postgres: postgres)
        case let spooling as SpoolingLeadStore: self.init(postgres: spooling.database)
        case let sqlite as SQLiteLeadStore: self.init(sqlite: sqlite)
        default: return nil
        }
    }
}
