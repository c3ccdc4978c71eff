import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LeadCore
import LeadServer
import LeadStorage
import LeadTestSupport
import Testing

// The CRM API of docs/crm-api.md, over HTTP, on every backend: who may do what, finding and paging leads, viewing,
// changing and erasing one, its history, the CSV export, raw requests, users and tokens, and the OpenAPI document.

// MARK: - authentication and roles

@Suite("CRM API: tokens and roles")
struct CRMAuthTests {
    @Test("401 unauthorized with WWW-Authenticate: Bearer for a missing, malformed, unknown, wrong or revoked token", arguments: Backend.available)
    func unauthorized(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(#"{"email":"auth@example.com"}"#)
            let (revoked, revokedID) = try await APIToken.issue(for: world.reader, in: world.crm)
            #expect(try await world.crm.revokeToken(id: revokedID))
            let (_, readerID) = try await APIToken.issue(for: world.reader, in: world.crm)
            let secret = String(repeating: "A", count: 43)
            let headers: [String?] = [
                nil,
                "",
                "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
                "Bearer",
                "Bearer ",
                "Bearer not-a-token",
                "Bearer lcrm_0123456789abcdef",
                "Bearer lcrm_0123456789abcdef_\(secret)",
                "Bearer lcrm_\(readerID)_\(secret)",
                "Bearer lcrm_\(readerID.uppercased())_\(secret)",
                "Bearer \(revoked)",
                "Token \(world.readerToken)",
                "\(world.readerToken)",
                "Bearer \(world.readerToken)x",
                "Bearer \(world.readerToken.dropLast())",
            ]
            for route in CRMWorld.protectedRoutes(leadID: leadID, userID: world.reader.id, tokenID: readerID) {
                for header in headers {
                    var fields: HTTPFields = [:]
                    if let header { fields[.authorization] = header }
                    let response = try await world.client.execute(
                        uri: route.uri, method: route.method, headers: fields, body: route.body.map { ByteBuffer(string: $0) })
                    let label = "\(route.method) \(route.uri) with Authorization \(header.map { "\"\($0)\"" } ?? "absent")"
                    #expect(response.status == .unauthorized, "\(label)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer", "\(label)")
                    #expect(try response.json() == .errorBody("unauthorized"), "\(label)")
                }
            }
            // Nothing a refused request asked for happened.
            let lead = try #require(try await world.crm.leadRecord(id: leadID))
            #expect(lead.erasedAt == nil && lead.note == nil && lead.revision == 0)
            #expect(try await world.crm.users().count == 3)
            #expect(try await world.crm.token(id: readerID)?.revokedAt == nil)
        }
    }

    @Test("the auth scheme is case-insensitive and the token still works", arguments: Backend.available)
    func schemeCase(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let response = try await world.client.execute(
                    uri: "/api/leads", method: .get, headers: [.authorization: "\(scheme) \(world.readerToken)"])
                #expect(response.status == .ok, "scheme \(scheme)")
            }
        }
    }

    @Test("403 forbidden for a role below what the route needs, and nothing changes", arguments: Backend.available)
    func forbidden(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(#"{"email":"roles@example.com"}"#)
            let (_, tokenID) = try await APIToken.issue(for: world.manager, in: world.crm)
            let patch = (HTTPRequest.Method.patch, "/api/leads/\(leadID)", Optional(#"{"note":"changed"}"#))
            let csv = (HTTPRequest.Method.get, "/api/leads.csv", String?.none)
            let erase = (HTTPRequest.Method.delete, "/api/leads/\(leadID)", String?.none)
            let createUser = (HTTPRequest.Method.post, "/api/users", Optional(#"{"name":"eve","role":"admin"}"#))
            let createToken = (HTTPRequest.Method.post, "/api/users/\(world.reader.id)/tokens", String?.none)
            let revoke = (HTTPRequest.Method.delete, "/api/tokens/\(tokenID)", String?.none)
            let refused: [(token: String, role: String, routes: [(HTTPRequest.Method, String, String?)])] = [
                (world.readerToken, "read", [patch, csv, erase, createUser, createToken, revoke]),
                (world.managerToken, "manage", [erase, createUser, createToken, revoke]),
            ]
            for (token, role, routes) in refused {
                for (method, uri, body) in routes {
                    let response = try await world.send(method, uri, token: token, body: body)
                    #expect(response.status == .forbidden, "\(role): \(method) \(uri)")
                    #expect(try response.json() == .errorBody("forbidden"), "\(role): \(method) \(uri)")
                }
            }
            let lead = try #require(try await world.crm.leadRecord(id: leadID))
            #expect(lead.erasedAt == nil && lead.note == nil && lead.revision == 0)
            #expect(try await world.crm.users().map(\.name) == ["ada", "max", "rita"])
            #expect(try await world.crm.token(id: tokenID)?.revokedAt == nil)
            #expect(try await world.crm.tokens(userID: world.reader.id).count == 1)

            // What each role may do, it may.
            for token in [world.readerToken, world.managerToken, world.adminToken] {
                for uri in ["/api/leads", "/api/leads/\(leadID)", "/api/leads/\(leadID)/events", "/api/raw", "/api/users"] {
                    #expect(try await world.send(.get, uri, token: token).status == .ok, "GET \(uri)")
                }
            }
            #expect(try await world.send(.get, "/api/leads.csv", token: world.managerToken).status == .ok)
            #expect(try await world.send(.patch, "/api/leads/\(leadID)", token: world.managerToken, body: #"{"note":"ok"}"#).status == .ok)
            #expect(try await world.send(.delete, "/api/leads/\(leadID)", token: world.adminToken).status == .ok)
        }
    }
}

// MARK: - the lead list

@Suite("CRM API: GET /api/leads")
struct CRMListTests {
    /// Five leads at known times, one changed to `in_work` and one assigned, for the filter tests.
    struct Fixture: Sendable {
        var anna, bob, carol, deals, dan: String
    }

    static func fixture(_ world: CRMWorld) async throws -> Fixture {
        let anna = try await world.addLead(
            #"{"email":"Anna.Schmidt@Example.com","firstName":"Anna","lastName":"Schmidt","phone":"+4915112345678","country":"DE","sourcetype":"fb","domain":"a.example","click_id":"CLK-100"}"#,
            at: CRMWorld.time("2026-11-24T10:00:00.000Z"))
        let bob = try await world.addLead(
            #"{"email":"bob@test.org","firstName":"Bob","lastName":"Brown","country":"FR","sourcetype":"google","domain":"b.example","click_id":"zz9"}"#,
            at: CRMWorld.time("2026-11-25T09:59:59.999Z"))
        let carol = try await world.addLead(
            #"{"email":"carol@example.com","firstName":"Carol","country":"DE","sourcetype":"google","domain":"a.example"}"#,
            at: CRMWorld.time("2026-11-25T10:00:00.000Z"))
        let deals = try await world.addLead(
            #"{"email":"100%_off@deals.io","country":"de","sourcetype":"FB","domain":"c.example","phone":"555"}"#,
            at: CRMWorld.time("2026-11-26T00:00:00.000Z"))
        let dan = try await world.addLead(
            #"{"email":"1000xoff@deals.io","firstName":"Dan","utm_campaign":"spring"}"#,
            at: CRMWorld.time("2026-11-26T00:00:00.001Z"))
        #expect(
            try await world.crm.updateLead(id: bob, change: LeadChange(status: "in_work"), expectedRevision: nil, actor: world.admin).record != nil)
        #expect(
            try await world.crm.updateLead(
                id: carol, change: LeadChange(assignedTo: .some(world.manager.id)), expectedRevision: nil, actor: world.admin
            )
            .record != nil)
        return Fixture(anna: anna, bob: bob, carol: carol, deals: deals, dan: dan)
    }

    @Test("each filter selects exactly its leads, newest first", arguments: Backend.available)
    func filters(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let f = try await Self.fixture(world)
            let cases: [([(String, String)], [String])] = [
                ([], [f.dan, f.deals, f.carol, f.bob, f.anna]),
                ([("status", "in_work")], [f.bob]),
                ([("status", "new")], [f.dan, f.deals, f.carol, f.anna]),
                ([("status", "rejected")], []),
                ([("assigned_to", String(world.manager.id))], [f.carol]),
                ([("assigned_to", String(world.admin.id))], []),
                ([("assigned_to", "none")], [f.dan, f.deals, f.bob, f.anna]),
                ([("country", "DE")], [f.carol, f.anna]),
                ([("country", "de")], [f.deals]),
                ([("sourcetype", "google")], [f.carol, f.bob]),
                ([("domain", "a.example")], [f.carol, f.anna]),
                ([("country", "DE"), ("sourcetype", "google")], [f.carol]),
                ([("created_from", "2026-11-25")], [f.dan, f.deals, f.carol, f.bob]),
                ([("created_from", "2026-11-25T10:00:00Z")], [f.dan, f.deals, f.carol]),
                ([("created_from", "2026-11-25T09:59:59.999Z")], [f.dan, f.deals, f.carol, f.bob]),
                ([("created_from", "2026-11-25T12:00:00+02:00")], [f.dan, f.deals, f.carol]),
                ([("created_to", "2026-11-25T10:00:00Z")], [f.bob, f.anna]),
                ([("created_to", "2026-11-26")], [f.carol, f.bob, f.anna]),
                ([("created_from", "2026-11-25"), ("created_to", "2026-11-26")], [f.carol, f.bob]),
                ([("created_from", "2026-11-26T00:00:00.001Z"), ("created_to", "2026-11-27")], [f.dan]),
                ([("q", "anna")], [f.anna]),
                ([("q", "SCHMIDT")], [f.anna]),
                ([("q", "brown")], [f.bob]),
                ([("q", "4915112")], [f.anna]),
                ([("q", "clk-1")], [f.anna]),
                ([("q", "ZZ9")], [f.bob]),
                ([("q", "EXAMPLE.COM")], [f.carol, f.anna]),
                ([("q", "Dan")], [f.dan]),
                ([("q", "nobody-here")], []),
                // q searches email, phone, names and click id only.
                ([("q", "google")], []),
                ([("q", "spring")], []),
                // % and _ match only themselves.
                ([("q", "%")], [f.deals]),
                ([("q", "_")], [f.deals]),
                ([("q", "0%_o")], [f.deals]),
                ([("q", "100%")], [f.deals]),
                ([("q", "deals"), ("country", "de")], [f.deals]),
            ]
            for (query, expected) in cases {
                let page = try await world.list(query)
                #expect(page.ids == expected, "\(query)")
                #expect(page.next == nil, "\(query)")
            }
        }
    }

    @Test("q is case-insensitive beyond ASCII too", arguments: Backend.available)
    func searchIgnoresCaseOfNonASCIILetters(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let id = try await world.addLead(#"{"email":"JÜRGEN@BEISPIEL.DE","firstName":"ÉLODIE","lastName":"ÖZTÜRK"}"#)
            _ = try await world.addLead(#"{"email":"other@example.com","lastName":"Schmidt"}"#)
            for q in ["öztürk", "Öztürk", "ÖZTÜRK", "élodie", "jürgen@"] {
                #expect(try await world.list([("q", q)]).ids == [id], "q=\(q)")
            }
        }
    }

    @Test("a lead is shown with every field of the lead object", arguments: Backend.available)
    func leadObject(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let f = try await Self.fixture(world)
            let response = try await world.send(.get, "/api/leads?sort=created_at", token: world.readerToken)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["ok"] == .bool(true))
            #expect(body["next_cursor"] == .null)
            let leads = body["leads"]?.array ?? []
            try #require(leads.count == 5)
            for lead in leads {
                #expect(lead.keys == CRMWorld.leadKeys)
            }
            let anna = leads[0]
            #expect(anna["id"] == .string(f.anna))
            #expect(anna["created_at"] == "2026-11-24T10:00:00.000Z")
            #expect(anna["updated_at"]?.string.flatMap(Timestamp.parse) != nil)
            #expect(anna["status"] == "new")
            #expect(anna["assigned_to"] == .null)
            #expect(anna["email"] == "Anna.Schmidt@Example.com")
            #expect(anna["firstName"] == "Anna")
            #expect(anna["lastName"] == "Schmidt")
            #expect(anna["phone"] == "+4915112345678")
            #expect(anna["country"] == "DE")
            #expect(anna["click_id"] == "CLK-100")
            #expect(anna["creo"] == .null)
            #expect(anna["extra"] == .null)
            #expect(anna["note"] == .null)
            #expect(anna["erased_at"] == .null)
            let carol = leads[2]
            #expect(carol["assigned_to"] == .number(Double(world.manager.id)))
            let dan = leads[4]
            #expect(dan["extra"] == .object(["utm_campaign": "spring"]))
        }
    }

    @Test("sort: newest first by default, oldest first with sort=created_at", arguments: Backend.available)
    func sorting(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let f = try await Self.fixture(world)
            let newestFirst = [f.dan, f.deals, f.carol, f.bob, f.anna]
            #expect(try await world.list([]).ids == newestFirst)
            #expect(try await world.list([("sort", "-created_at")]).ids == newestFirst)
            #expect(try await world.list([("sort", "created_at")]).ids == newestFirst.reversed())
            #expect(try await world.list([("sort", "created_at"), ("country", "DE")]).ids == [f.anna, f.carol])
        }
    }

    @Test("400 invalid_parameter naming a bad value or an unknown parameter", arguments: Backend.available)
    func badParameters(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            _ = try await world.addLead(#"{"email":"one@example.com"}"#)
            let cases: [(String, String)] = [
                ("limit=0", "limit"),
                ("limit=501", "limit"),
                ("limit=x", "limit"),
                ("limit=-1", "limit"),
                ("limit=", "limit"),
                ("limit=2.5", "limit"),
                ("sort=newest", "sort"),
                ("sort=created", "sort"),
                ("assigned_to=abc", "assigned_to"),
                ("assigned_to=-1", "assigned_to"),
                ("assigned_to=99999999999999999999", "assigned_to"),
                ("assigned_to=", "assigned_to"),
                ("created_from=yesterday", "created_from"),
                ("created_to=2026-13-45", "created_to"),
                ("cursor=zzz", "cursor"),
                ("cursor=", "cursor"),
                ("foo=1", "foo"),
                ("page=2", "page"),
                ("status=new&offset=10", "offset"),
                ("Status=new", "Status"),
            ]
            for (query, parameter) in cases {
                let response = try await world.send(.get, "/api/leads?\(query)", token: world.readerToken)
                #expect(response.status == .badRequest, "?\(query)")
                #expect(try response.json() == .parameterError(parameter), "?\(query)")
            }
            for query in ["limit=1", "limit=500", "limit=50"] {
                #expect(try await world.send(.get, "/api/leads?\(query)", token: world.readerToken).status == .ok, "?\(query)")
            }
        }
    }

    @Test("assigned_to takes a user id of up to 9 digits; a longer one is a bad value", arguments: Backend.available)
    func assigneeIDLength(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            #expect(try await world.send(.get, "/api/leads?assigned_to=123456789", token: world.readerToken).status == .ok)
            for value in ["1234567890"] {
                let response = try await world.send(.get, "/api/leads?assigned_to=\(value)", token: world.readerToken)
                #expect(response.status == .badRequest, "assigned_to=\(value)")
                #expect(try response.json() == .parameterError("assigned_to"), "assigned_to=\(value)")
            }
        }
    }

    @Test("the default page is 50 leads; limit=500 takes them all", arguments: Backend.available)
    func defaultLimit(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let start = CRMWorld.time("2026-01-01T00:00:00.000Z")
            for index in 0..<51 {
                _ = try await world.addLead(#"{"email":"lead\#(index)@example.com"}"#, at: start.addingTimeInterval(Double(index)))
            }
            let first = try await world.list([])
            #expect(first.ids.count == 50)
            let cursor = try #require(first.next)
            let second = try await world.list([("cursor", cursor)])
            #expect(second.ids.count == 1)
            #expect(second.next == nil)
            #expect(Set(first.ids + second.ids).count == 51)
            let all = try await world.list([("limit", "500")])
            #expect(all.ids == first.ids + second.ids)
            #expect(all.next == nil)
        }
    }

    @Test("keyset paging with limit=2 visits every lead once in order, also among equal creation times", arguments: Backend.available)
    func paging(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let base = CRMWorld.time("2026-11-25T12:00:00.000Z")
            var ids: [String] = []
            // Three leads at one millisecond, two at the next, two at the one after, one later still.
            for (index, offset) in [0, 0, 0, 0.001, 0.001, 0.002, 0.002, 60].enumerated() {
                ids.append(try await world.addLead(#"{"email":"page\#(index)@example.com","country":"PL"}"#, at: base.addingTimeInterval(offset)))
            }
            _ = try await world.addLead(#"{"email":"other@example.com","country":"CZ"}"#, at: base)
            for sort in ["created_at", "-created_at"] {
                let whole = try await world.list([("sort", sort), ("country", "PL"), ("limit", "500")]).ids
                #expect(Set(whole) == Set(ids), "sort=\(sort)")
                var walked: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    var query = [("sort", sort), ("country", "PL"), ("limit", "2")]
                    if let cursor { query.append(("cursor", cursor)) }
                    let page = try await world.list(query)
                    #expect(page.ids.count <= 2)
                    walked += page.ids
                    cursor = page.next
                    pages += 1
                } while cursor != nil && pages < 20
                #expect(walked == whole, "sort=\(sort): paged \(walked), whole \(whole)")
                #expect(walked.count == ids.count && Set(walked).count == ids.count, "sort=\(sort): every lead exactly once")
                #expect(pages == 4, "sort=\(sort)")
                // The times are in order.
                let times = try await world.createdTimes(walked)
                #expect(times == (sort == "created_at" ? times.sorted() : times.sorted(by: >)), "sort=\(sort)")
            }
            // A cursor only works with the sort it came from.
            let ascending = try #require(try await world.list([("sort", "created_at"), ("limit", "2")]).next)
            let descending = try #require(try await world.list([("limit", "2")]).next)
            for (query, label) in [
                ("cursor=\(ascending)", "ascending cursor, default sort"),
                ("sort=-created_at&cursor=\(ascending)", "ascending cursor, -created_at"),
                ("sort=created_at&cursor=\(descending)", "descending cursor, created_at"),
            ] {
                let response = try await world.send(.get, "/api/leads?\(query)", token: world.readerToken)
                #expect(response.status == .badRequest, "\(label)")
                #expect(try response.json() == .parameterError("cursor"), "\(label)")
            }
        }
    }
}

// MARK: - one lead

@Suite("CRM API: GET /api/leads/{id}")
struct CRMLeadViewTests {
    @Test("the lead with every request behind it, oldest first, and its ETag", arguments: Backend.available)
    func leadWithSubmissions(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let first = #"{"email":"view@example.com","firstName":"Vera","comment":"Grüße ✓"}"#
            let retry = #"{"email":"view@example.com","firstName":"Vera","comment":"second try"}"#
            let headers: HTTPFields = [.contentType: "application/json", .idempotencyKey: "view-key", .userAgent: "PHP-curl/8.1"]
            let created = try await world.client.postLead(first, headers: headers)
            #expect(created.status == .created)
            let leadID = try #require(try created.jsonObject()["lead_id"]?.string)
            #expect(try await world.client.postLead(retry, headers: headers).status == .conflict)

            let response = try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken)
            #expect(response.status == .ok)
            let etag = try #require(response.headers[.eTag])
            #expect(etag.wholeMatch(of: #/"[0-9]+"/#) != nil, "ETag \(etag)")
            let body = try response.json()
            #expect(body["ok"] == .bool(true))
            #expect(body["lead"]?["id"] == .string(leadID))
            #expect(body["lead"]?["email"] == "view@example.com")
            #expect(body["lead"]?["idempotency_key"] == "view-key")
            let submissions = body["submissions"]?.array ?? []
            try #require(submissions.count == 2)
            for submission in submissions {
                #expect(submission.keys == CRMWorld.submissionKeys)
                #expect(submission["lead_id"] == .string(leadID))
                #expect(submission["idempotency_key"] == "view-key")
                #expect(submission["content_type"] == "application/json")
                #expect(submission["user_agent"] == "PHP-curl/8.1")
                #expect(submission["truncated"] == .bool(false))
                #expect(submission["error"] == .null)
                #expect(submission["body_encoding"] == "utf8")
                #expect(submission["body_sha256"] == .null)
                #expect(submission["erased_at"] == .null)
            }
            #expect(submissions[0]["id"] == .string(leadID))
            #expect(submissions[0]["outcome"] == "stored")
            #expect(submissions[0]["body"] == .string(first))
            #expect(submissions[1]["id"] != .string(leadID))
            #expect(submissions[1]["outcome"] == "duplicate")
            #expect(submissions[1]["body"] == .string(retry))
            let times = submissions.compactMap { $0["received_at"]?.string.flatMap(Timestamp.parse) }
            #expect(times.count == 2 && times[0] <= times[1])

            let missing = try await world.send(.get, "/api/leads/00000000-0000-0000-0000-000000000000", token: world.readerToken)
            #expect(missing.status == .notFound)
            #expect(try missing.json() == .errorBody("not_found"))
        }
    }

    @Test("a body that is not valid UTF-8, or holds NUL, comes back as base64 of its exact bytes", arguments: Backend.available)
    func binaryBodies(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let invalidUTF8 = Array(#"{"email":"bad"#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#"@example.com"}"#.utf8)
            let withNUL = Array("email=nul%40example.com&junk=a".utf8) + [0x00] + Array("b".utf8)
            let cases: [(bytes: [UInt8], contentType: String)] = [
                (invalidUTF8, "application/json"),
                (withNUL, "application/x-www-form-urlencoded"),
            ]
            for (bytes, contentType) in cases {
                let result = try await world.record(bytes, contentType: contentType)
                let leadID = try #require(result.leadID, "\(result)")
                #expect(result == .stored(leadID: leadID))
                let body = try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken).json()
                let submission = try #require(body["submissions"]?.array.first)
                #expect(submission["body_encoding"] == "base64")
                let decoded = try #require(submission["body"]?.string.flatMap { Data(base64Encoded: $0) })
                #expect(Array(decoded) == bytes)
            }
            // Valid UTF-8 beyond ASCII stays text.
            let text = #"{"email":"ünï@example.com","firstName":"Zoë 🎉"}"#
            let leadID = try #require(try await world.record(Array(text.utf8)).leadID)
            let submission = try #require(
                try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken).json()["submissions"]?.array.first)
            #expect(submission["body_encoding"] == "utf8")
            #expect(submission["body"] == .string(text))
        }
    }
}

// MARK: - changing a lead

@Suite("CRM API: PATCH /api/leads/{id}")
struct CRMPatchTests {
    @Test("status, assigned_to and note change, null clears, and the ETag and updated_at move", arguments: Backend.available)
    func changesAndClears(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(#"{"email":"patch@example.com"}"#, at: Date().addingTimeInterval(-60).wholeMilliseconds)
            let before = try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken)
            let etag0 = try #require(before.headers[.eTag])
            let updated0 = try before.json()["lead"]?["updated_at"]

            let changed = try await world.patch(leadID, #"{"status":"in_work","assigned_to":\#(world.manager.id),"note":"call back"}"#)
            #expect(changed.status == .ok)
            let etag1 = try #require(changed.headers[.eTag])
            #expect(etag1 != etag0)
            let lead = try changed.json()["lead"]
            #expect(lead?["status"] == "in_work")
            #expect(lead?["assigned_to"] == .number(Double(world.manager.id)))
            #expect(lead?["note"] == "call back")
            #expect(lead?["email"] == "patch@example.com")
            #expect(lead?["updated_at"] != updated0)
            let shown = try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken)
            #expect(shown.headers[.eTag] == etag1)
            #expect(try shown.json()["lead"] == lead)

            let cleared = try await world.patch(leadID, #"{"assigned_to":null,"note":null}"#)
            #expect(cleared.status == .ok)
            let etag2 = try #require(cleared.headers[.eTag])
            #expect(etag2 != etag1)
            let clearedLead = try cleared.json()["lead"]
            #expect(clearedLead?["assigned_to"] == .null)
            #expect(clearedLead?["note"] == .null)
            #expect(clearedLead?["status"] == "in_work")

            // Nothing to change: 200, the same ETag.
            for body in ["{}", #"{"status":"in_work"}"#, #"{"note":null,"assigned_to":null}"#] {
                let same = try await world.patch(leadID, body)
                #expect(same.status == .ok, "\(body)")
                #expect(same.headers[.eTag] == etag2, "\(body)")
                #expect(try same.json()["lead"] == clearedLead, "\(body)")
            }
            let record = try #require(try await world.crm.leadRecord(id: leadID))
            #expect(record.lead.status == "in_work" && record.lead.assignedTo == nil && record.note == nil)
        }
    }

    @Test("422 invalid_status and invalid_assignee, and the lead is unchanged", arguments: Backend.available)
    func unprocessable(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(#"{"email":"rules@example.com"}"#)
            let cases: [(String, String)] = [
                (#"{"status":"won"}"#, "invalid_status"),
                (#"{"status":"IN_WORK"}"#, "invalid_status"),
                (#"{"status":""}"#, "invalid_status"),
                (#"{"status":"won","note":"x"}"#, "invalid_status"),
                (#"{"assigned_to":999999}"#, "invalid_assignee"),
                (#"{"note":"x","assigned_to":424242}"#, "invalid_assignee"),
            ]
            for (body, code) in cases {
                let response = try await world.patch(leadID, body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try response.json() == .errorBody(code), "\(body)")
            }
            let record = try #require(try await world.crm.leadRecord(id: leadID))
            #expect(record.revision == 0 && record.lead.status == "new" && record.note == nil && record.lead.assignedTo == nil)
        }
    }

    @Test("LEAD_STATUSES decides which statuses are allowed", arguments: Backend.available)
    func customStatuses(backend: Backend) async throws {
        var configuration = TestApplication.configuration()
        configuration.leadStatuses = ["new", "won", "lost"]
        try await CRMWorld.run(on: backend, configuration: configuration) { world in
            let leadID = try await world.addLead(#"{"email":"custom@example.com"}"#)
            for status in ["won", "lost", "new"] {
                let response = try await world.patch(leadID, #"{"status":"\#(status)"}"#)
                #expect(response.status == .ok, "\(status)")
                #expect(try response.json()["lead"]?["status"] == .string(status))
            }
            for status in ["in_work", "converted", "rejected"] {
                let response = try await world.patch(leadID, #"{"status":"\#(status)"}"#)
                #expect(response.status == .unprocessableContent, "\(status)")
                #expect(try response.json() == .errorBody("invalid_status"), "\(status)")
            }
            #expect(try await world.list([("status", "new")]).ids == [leadID])
        }
    }

    @Test("400 invalid_json for a body that is not JSON, invalid_payload for the wrong shape", arguments: Backend.available)
    func badBodies(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(#"{"email":"shape@example.com"}"#)
            let cases: [(String, String)] = [
                ("{bad", "invalid_json"),
                (#"{"status":"new""#, "invalid_json"),
                ("", "invalid_json"),
                ("status=new", "invalid_json"),
                (#"[{"status":"in_work"}]"#, "invalid_payload"),
                ("[]", "invalid_payload"),
                (#""in_work""#, "invalid_payload"),
                ("42", "invalid_payload"),
                ("null", "invalid_payload"),
                (#"{"colour":"red"}"#, "invalid_payload"),
                (#"{"status":"in_work","colour":"red"}"#, "invalid_payload"),
                (#"{"Status":"in_work"}"#, "invalid_payload"),
                (#"{"status":5}"#, "invalid_payload"),
                (#"{"status":null}"#, "invalid_payload"),
                (#"{"status":["in_work"]}"#, "invalid_payload"),
                (#"{"assigned_to":"1"}"#, "invalid_payload"),
                (#"{"assigned_to":true}"#, "invalid_payload"),
                (#"{"assigned_to":{"id":1}}"#, "invalid_payload"),
                (#"{"note":42}"#, "invalid_payload"),
                (#"{"note":false}"#, "invalid_payload"),
                (#"{"note":["a"]}"#, "invalid_payload"),
            ]
            for (body, code) in cases {
                let response = try await world.patch(leadID, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try response.json() == .errorBody(code), "\(body)")
            }
            let record = try #require(try await world.crm.leadRecord(id: leadID))
            #expect(record.revision == 0 && record.lead.status == "new")
        }
    }

    @Test("If-Match: the current ETag is accepted, a stale one is 412", arguments: Backend.available)
    func ifMatch(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(#"{"email":"match@example.com"}"#)
            let etag0 = try #require(try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken).headers[.eTag])

            let first = try await world.patch(leadID, #"{"note":"first"}"#, headers: [.ifMatch: etag0])
            #expect(first.status == .ok)
            let etag1 = try #require(first.headers[.eTag])
            #expect(etag1 != etag0)

            let stale = try await world.patch(leadID, #"{"note":"stale"}"#, headers: [.ifMatch: etag0])
            #expect(stale.status == .preconditionFailed)
            #expect(try stale.json() == .errorBody("precondition_failed"))
            #expect(try await world.crm.leadRecord(id: leadID)?.note == "first")

            let second = try await world.patch(leadID, #"{"note":"second"}"#, headers: [.ifMatch: etag1])
            #expect(second.status == .ok)
            #expect(second.headers[.eTag] != etag1)
            #expect(try second.json()["lead"]?["note"] == "second")
            #expect(try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken).headers[.eTag] == second.headers[.eTag])
        }
    }

    @Test("404 not_found for an unknown or erased lead", arguments: Backend.available)
    func notFound(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            for id in ["00000000-0000-0000-0000-000000000000", "nope"] {
                let response = try await world.patch(id, #"{"note":"x"}"#)
                #expect(response.status == .notFound, "\(id)")
                #expect(try response.json() == .errorBody("not_found"), "\(id)")
            }
            let leadID = try await world.addLead(#"{"email":"gone@example.com"}"#)
            #expect(try await world.send(.delete, "/api/leads/\(leadID)", token: world.adminToken).status == .ok)
            let response = try await world.patch(leadID, #"{"note":"after erasure"}"#)
            #expect(response.status == .notFound)
            #expect(try response.json() == .errorBody("not_found"))
            #expect(try await world.crm.leadRecord(id: leadID)?.note == nil)
        }
    }
}

// MARK: - history

@Suite("CRM API: GET /api/leads/{id}/events")
struct CRMEventTests {
    @Test("created and duplicate from the requests, then each change with its actor, from and to, oldest first", arguments: Backend.available)
    func history(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let headers: HTTPFields = [.contentType: "application/json", .idempotencyKey: "history-key"]
            let created = try await world.client.postLead(#"{"email":"history@example.com"}"#, headers: headers)
            let leadID = try #require(try created.jsonObject()["lead_id"]?.string)
            #expect(try await world.client.postLead(#"{"email":"history@example.com","try":2}"#, headers: headers).status == .conflict)
            let submissions = try await world.crm.submissionRecords(forLead: leadID)
            let duplicateID = try #require(submissions.first { $0.submission.outcome == .duplicate }?.submission.id)

            #expect(try await world.patch(leadID, #"{"status":"in_work"}"#, token: world.managerToken).status == .ok)
            #expect(try await world.patch(leadID, #"{"assigned_to":\#(world.manager.id)}"#, token: world.adminToken).status == .ok)
            #expect(try await world.patch(leadID, #"{"note":"call back"}"#, token: world.managerToken).status == .ok)
            #expect(try await world.patch(leadID, #"{"note":null}"#, token: world.managerToken).status == .ok)
            #expect(try await world.patch(leadID, #"{"assigned_to":null}"#, token: world.managerToken).status == .ok)
            #expect(try await world.patch(leadID, #"{"status":"converted"}"#, token: world.adminToken).status == .ok)
            // No change, no event.
            #expect(try await world.patch(leadID, #"{"status":"converted"}"#, token: world.adminToken).status == .ok)

            let response = try await world.send(.get, "/api/leads/\(leadID)/events", token: world.readerToken)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["ok"] == .bool(true))
            let events = body["events"]?.array ?? []
            #expect(events.map { $0["kind"]?.string ?? "?" } == ["created", "duplicate", "status", "assignee", "note", "note", "assignee", "status"])
            try #require(events.count == 8)
            for event in events {
                #expect(event.keys == ["at", "kind", "actor", "from", "to", "submission_id"])
            }
            let times = events.compactMap { $0["at"]?.string.flatMap(Timestamp.parse) }
            #expect(times.count == events.count && times == times.sorted())

            let manager = JSONTree.object(["id": .number(Double(world.manager.id)), "name": "max"])
            let admin = JSONTree.object(["id": .number(Double(world.admin.id)), "name": "ada"])
            let managerID = String(world.manager.id)
            #expect(events[0]["actor"] == .null && events[0]["submission_id"] == .string(leadID))
            #expect(events[1]["actor"] == .null && events[1]["submission_id"] == .string(duplicateID))
            #expect(events[2]["actor"] == manager && events[2]["from"] == "new" && events[2]["to"] == "in_work")
            #expect(events[3]["actor"] == admin && events[3]["from"] == .null && events[3]["to"]?.isID(managerID) == true)
            #expect(events[4]["actor"] == manager && events[4]["from"] == .null && events[4]["to"] == "call back")
            #expect(events[5]["actor"] == manager && events[5]["from"] == "call back" && events[5]["to"] == .null)
            #expect(events[6]["actor"] == manager && events[6]["from"]?.isID(managerID) == true && events[6]["to"] == .null)
            #expect(events[7]["actor"] == admin && events[7]["from"] == "in_work" && events[7]["to"] == "converted")
            for event in events[2...] {
                #expect(event["submission_id"] == .null)
            }

            #expect(try await world.send(.delete, "/api/leads/\(leadID)", token: world.adminToken).status == .ok)
            let afterErasure = try await world.send(.get, "/api/leads/\(leadID)/events", token: world.readerToken).json()["events"]?.array ?? []
            #expect(afterErasure.count == 9)
            #expect(afterErasure.last?["kind"] == "erased")
            #expect(afterErasure.last?["actor"] == admin)

            let missing = try await world.send(.get, "/api/leads/00000000-0000-0000-0000-000000000000/events", token: world.readerToken)
            #expect(missing.status == .notFound)
            #expect(try missing.json() == .errorBody("not_found"))
        }
    }
}

// MARK: - erasure

@Suite("CRM API: DELETE /api/leads/{id}")
struct CRMEraseTests {
    @Test("erasure wipes the person's data and the raw bodies, keeps their digests, and the lead is 404 from then on", arguments: Backend.available)
    func erase(backend: Backend) async throws {
        #expect(SHA256Hex.digest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        try await CRMWorld.run(on: backend) { world in
            let firstBody = Array(
                #"{"email":"erase.me@example.com","firstName":"Erin","lastName":"Eraser","phone":"+4917700000","country":"DE","utm":"x"}"#.utf8)
            // The retry is a form body with bytes that are not text: its digest must still be of the exact bytes.
            let retryBody = Array("email=erase.me%40example.com&bytes=".utf8) + [0xFF, 0x00, 0x80]
            let first = try await world.record(
                firstBody, key: "erase-key", userAgent: "UA/1", clientAddress: "198.51.100.7", forwardedFor: "198.51.100.7")
            let leadID = try #require(first.leadID)
            let retried = try await world.record(
                retryBody, key: "erase-key", contentType: "application/x-www-form-urlencoded", userAgent: "UA/2", clientAddress: "198.51.100.8",
                forwardedFor: "198.51.100.8")
            #expect(retried == .duplicate(leadID: leadID))
            let keep = try await world.addLead(#"{"email":"keep@example.com","country":"DE"}"#)
            #expect(try await world.patch(leadID, #"{"status":"in_work","note":"Erin's private note"}"#).status == .ok)
            let before = try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken).json()
            let submissionsBefore = before["submissions"]?.array ?? []
            try #require(submissionsBefore.count == 2)
            #expect(submissionsBefore.allSatisfy { $0["client_ip"] != .null && $0["user_agent"] != .null && $0["forwarded_for"] != .null })

            let erased = try await world.send(.delete, "/api/leads/\(leadID)", token: world.adminToken)
            #expect(erased.status == .ok)
            let lead = try #require(try erased.json()["lead"])
            #expect(try erased.json()["ok"] == .bool(true))
            for field in LeadField.allCases {
                #expect(lead[field.jsonName] == .null, "\(field.jsonName)")
            }
            #expect(lead["extra"] == .null)
            #expect(lead["note"] == .null)
            #expect(lead["erased_at"]?.string.flatMap(Timestamp.parse) != nil)
            #expect(lead["id"] == .string(leadID))
            #expect(lead["status"] == "in_work")
            #expect(lead["idempotency_key"] == "erase-key")

            // From then on the lead is 404 for GET and PATCH; what is left of its requests shows in /api/raw.
            let shown = try await world.send(.get, "/api/leads/\(leadID)", token: world.readerToken)
            #expect(shown.status == .notFound)
            #expect(try shown.json() == .errorBody("not_found"))
            let patched = try await world.patch(leadID, #"{"note":"again"}"#)
            #expect(patched.status == .notFound)
            #expect(try patched.json() == .errorBody("not_found"))
            let raw = try await world.send(.get, "/api/raw?sort=created_at&limit=500", token: world.readerToken).json()
            let submissions = (raw["submissions"]?.array ?? []).filter { $0["lead_id"] == .string(leadID) }
            try #require(submissions.count == 2)
            for (submission, (original, previous)) in zip(submissions, zip([firstBody, retryBody], submissionsBefore)) {
                #expect(submission["body"] == .null)
                #expect(submission["body_sha256"] == .string(SHA256Hex.digest(original)))
                #expect(submission["client_ip"] == .null)
                #expect(submission["forwarded_for"] == .null)
                #expect(submission["user_agent"] == .null)
                #expect(submission["erased_at"]?.string.flatMap(Timestamp.parse) != nil)
                for kept in ["id", "received_at", "outcome", "idempotency_key", "lead_id"] {
                    #expect(submission[kept] == previous[kept], "\(kept)")
                }
            }

            // Gone from the list, the search and the export; the other lead stays.
            #expect(try await world.list([]).ids == [keep])
            #expect(try await world.list([("country", "DE")]).ids == [keep])
            #expect(try await world.list([("status", "in_work")]).ids == [])
            for q in ["erase.me", "Erin", "Eraser", "4917700000", "example.com"] {
                #expect(!(try await world.list([("q", q)]).ids.contains(leadID)), "q=\(q)")
            }
            let csv = try await world.send(.get, "/api/leads.csv", token: world.managerToken)
            #expect(csv.status == .ok)
            #expect(!csv.bodyText.contains(leadID))
            #expect(try CSVText.parse(csv.bodyText).count == 2)

            // Erasing again changes nothing while no new request arrived; the history stays readable.
            let again = try await world.send(.delete, "/api/leads/\(leadID)", token: world.adminToken)
            #expect(again.status == .ok)
            #expect(try await world.crm.leadRecord(id: leadID)?.erasedAt.map(Timestamp.format) == lead["erased_at"]?.string)
            var events = try await world.send(.get, "/api/leads/\(leadID)/events", token: world.readerToken).json()["events"]?.array ?? []
            #expect(events.filter { $0["kind"] == "erased" }.count == 1)
            #expect(events.last?["kind"] == "erased")
            #expect(events.last?["actor"] == .object(["id": .number(Double(world.admin.id)), "name": "ada"]))

            // A sender's retry is still answered as the erased lead and makes no new one; it is a new request, kept
            // until DELETE is asked again, which wipes it too.
            let retry = try await world.client.postLead(
                #"{"email":"erase.me@example.com"}"#, headers: [.contentType: "application/json", .idempotencyKey: "erase-key"])
            #expect(retry.status == .conflict)
            #expect(try retry.jsonObject()["lead_id"] == .string(leadID))
            #expect(try await world.db.store.leadCount() == 2)
            let third = try await world.send(.delete, "/api/leads/\(leadID)", token: world.adminToken)
            #expect(third.status == .ok)
            let rawAfter = try await world.send(.get, "/api/raw?sort=created_at&limit=500", token: world.readerToken).json()
            let kept = (rawAfter["submissions"]?.array ?? []).filter { $0["lead_id"] == .string(leadID) }
            #expect(kept.count == 3)
            #expect(kept.allSatisfy { $0["body"] == .null && $0["erased_at"] != .null })
            events = try await world.send(.get, "/api/leads/\(leadID)/events", token: world.readerToken).json()["events"]?.array ?? []
            #expect(events.filter { $0["kind"] == "erased" }.count == 2)
            #expect(events.last?["kind"] == "erased")

            let missing = try await world.send(.delete, "/api/leads/00000000-0000-0000-0000-000000000000", token: world.adminToken)
            #expect(missing.status == .notFound)
            #expect(try missing.json() == .errorBody("not_found"))
        }
    }
}

// MARK: - CSV export

@Suite("CRM API: GET /api/leads.csv")
struct CRMCSVTests {
    @Test("a header row, one RFC 4180 row per lead, formulas made inert, filters applied", arguments: Backend.available)
    func export(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let hostile = try await world.addLead(
                #"{"email":"@home","firstName":"=HYPERLINK(\"http://evil.example\",\"x\")","lastName":"-2+3","phone":"+4915112345678","description":"He said \"hi\", then\nleft","country":"DE","click_id":"@SUM(A1)","utm":"a,b"}"#,
                at: CRMWorld.time("2026-11-25T10:00:00.000Z"))
            let plain = try await world.addLead(
                #"{"email":"plain@example.com","firstName":"Plain","country":"FR","description":"\tTabbed","lang":"\rCR"}"#,
                at: CRMWorld.time("2026-11-25T11:00:00.000Z"))
            #expect(
                try await world.crm.updateLead(
                    id: hostile, change: LeadChange(assignedTo: .some(world.manager.id), note: .some("line1\nline2")), expectedRevision: nil,
                    actor: world.admin
                ).record != nil)

            let response = try await world.send(.get, "/api/leads.csv?sort=created_at", token: world.managerToken)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition] == #"attachment; filename="leads.csv""#)
            let text = response.bodyText
            #expect(text.hasPrefix(CRMWorld.csvHeader.joined(separator: ",") + "\r\n"))
            #expect(text.hasSuffix("\r\n"))
            #expect(text.contains(#""He said ""hi"", then"#))
            let rows = try CSVText.parse(text)
            try #require(rows.count == 3)
            #expect(rows[0] == CRMWorld.csvHeader)
            #expect(rows.allSatisfy { $0.count == CRMWorld.csvHeader.count })
            let first = CRMWorld.csvRecord(rows[1])
            let second = CRMWorld.csvRecord(rows[2])
            #expect(first["id"] == hostile)
            #expect(first["created_at"] == "2026-11-25T10:00:00.000Z")
            #expect(first["status"] == "new")
            #expect(first["assigned_to"] == String(world.manager.id))
            #expect(first["email"] == "'@home")
            #expect(first["firstName"] == #"'=HYPERLINK("http://evil.example","x")"#)
            #expect(first["lastName"] == "'-2+3")
            #expect(first["phone"] == "'+4915112345678")
            #expect(first["click_id"] == "'@SUM(A1)")
            #expect(first["description"] == "He said \"hi\", then\nleft")
            #expect(first["country"] == "DE")
            #expect(first["note"] == "line1\nline2")
            #expect(first["creo"] == "")
            let extra = try first["extra"].map { try JSONDecoder().decode(JSONTree.self, from: Data($0.utf8)) }
            #expect(extra == .object(["utm": "a,b"]))
            #expect(second["id"] == plain)
            #expect(second["description"] == "'\tTabbed")
            #expect(second["lang"] == "'\rCR")
            #expect(second["assigned_to"] == "")
            #expect(second["extra"] == "")

            let newestFirst = try CSVText.parse(try await world.send(.get, "/api/leads.csv", token: world.managerToken).bodyText)
            #expect(newestFirst.dropFirst().map { $0.first ?? "" } == [plain, hostile])
            let filtered: [([(String, String)], [String])] = [
                ([("country", "DE")], [hostile]),
                ([("q", "plain")], [plain]),
                ([("assigned_to", String(world.manager.id))], [hostile]),
                ([("assigned_to", "none")], [plain]),
                ([("created_from", "2026-11-25T10:30:00Z")], [plain]),
                ([("status", "rejected")], []),
            ]
            for (query, expected) in filtered {
                let export = try await world.send(.get, "/api/leads.csv" + CRMWorld.queryString(query), token: world.managerToken)
                #expect(export.status == .ok, "\(query)")
                let rows = try CSVText.parse(export.bodyText)
                #expect(rows.first == CRMWorld.csvHeader, "\(query)")
                #expect(rows.dropFirst().map { $0.first ?? "" } == expected, "\(query)")
            }
            for (query, parameter) in [("limit=10", "limit"), ("cursor=abc", "cursor"), ("foo=1", "foo"), ("sort=up", "sort")] {
                let refused = try await world.send(.get, "/api/leads.csv?\(query)", token: world.managerToken)
                #expect(refused.status == .badRequest, "\(query)")
                #expect(try refused.json() == .parameterError(parameter), "\(query)")
            }
        }
    }

    @Test("an export of more than a page of leads has every lead once", arguments: Backend.available)
    func largeExport(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            // Equal times across the page boundary of the export's own paging.
            let time = CRMWorld.time("2026-11-25T10:00:00.000Z")
            // Seven leads per millisecond, so both sorts cross the page boundary (1,000) inside a group of equal times.
            var ids: Set<String> = []
            for index in 0..<1005 {
                ids.insert(try await world.addLead(#"{"email":"bulk\#(index)@example.com"}"#, at: time.addingTimeInterval(Double(index / 7) / 1000)))
            }
            for sort in ["created_at", "-created_at"] {
                let response = try await world.send(.get, "/api/leads.csv?sort=\(sort)", token: world.managerToken)
                #expect(response.status == .ok)
                let rows = try CSVText.parse(response.bodyText)
                #expect(rows.first == CRMWorld.csvHeader)
                let exported = rows.dropFirst().map { $0.first ?? "" }
                #expect(exported.count == 1005, "sort=\(sort)")
                #expect(Set(exported) == ids, "sort=\(sort)")
            }
        }
    }
}

extension CRMCSVTests {
    @Test("a cell holding CRLF is quoted, so it cannot end its row or start a new one", arguments: Backend.available)
    func lineBreaksStayInTheirCell(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let leadID = try await world.addLead(
                #"{"email":"crlf@example.com","description":"first line\r\n=SUM(1+1)","lastName":"x\r\n"}"#)
            #expect(
                try await world.crm.updateLead(id: leadID, change: LeadChange(note: .some("a\r\nb")), expectedRevision: nil, actor: world.admin)
                    .record != nil)
            let text = try await world.send(.get, "/api/leads.csv", token: world.managerToken).bodyText
            let rows = try CSVText.parse(text)
            #expect(rows.count == 2, "the export:\n\(text)")
            #expect(rows.allSatisfy { $0.count == CRMWorld.csvHeader.count }, "the export:\n\(text)")
            // Every data row starts with a lead id: no cell's text became a row (or a formula) of its own.
            #expect(rows.dropFirst().allSatisfy { UUID(uuidString: $0[0]) != nil })
            guard rows.count == 2 else { return }
            let row = CRMWorld.csvRecord(rows[1])
            #expect(row["description"] == "first line\r\n=SUM(1+1)")
            #expect(row["lastName"] == "x\r\n")
            #expect(row["note"] == "a\r\nb")
        }
    }
}

// MARK: - raw requests

@Suite("CRM API: GET /api/raw")
struct CRMRawTests {
    @Test("outcome filter, sort and keyset paging over raw requests", arguments: Backend.available)
    func raw(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let keyed: HTTPFields = [.contentType: "application/json", .idempotencyKey: "raw-key"]
            #expect(try await world.client.postLead(#"{"email":"raw1@example.com"}"#, headers: keyed).status == .created)
            #expect(try await world.client.postLead(#"{"email":"raw1@example.com"}"#, headers: keyed).status == .conflict)
            #expect(try await world.client.postLead("{bad").status == .badRequest)
            #expect(try await world.client.postLead("[1]").status == .badRequest)
            // Four more at one and the same millisecond.
            let time = Date().wholeMilliseconds
            for index in 0..<4 {
                _ = try await world.record(Array(#"{"email":"same\#(index)@example.com"}"#.utf8), at: time)
            }

            let all = try await world.send(.get, "/api/raw?limit=500", token: world.readerToken)
            #expect(all.status == .ok)
            let allBody = try all.json()
            #expect(allBody["ok"] == .bool(true))
            #expect(allBody["next_cursor"] == .null)
            let submissions = allBody["submissions"]?.array ?? []
            #expect(submissions.count == 8)
            for submission in submissions {
                #expect(submission.keys == CRMWorld.submissionKeys)
            }
            let invalid = submissions.filter { $0["outcome"] == "invalid" }
            #expect(Set(invalid.compactMap { $0["body"]?.string }) == ["{bad", "[1]"])
            #expect(invalid.allSatisfy { $0["lead_id"] == .null })

            for (outcome, count) in [("stored", 5), ("duplicate", 1), ("invalid", 2), ("failed", 0), ("queued", 0)] {
                let page = try await world.send(.get, "/api/raw?outcome=\(outcome)", token: world.readerToken).json()
                let found = page["submissions"]?.array ?? []
                #expect(found.count == count, "outcome=\(outcome)")
                #expect(found.allSatisfy { $0["outcome"] == .string(outcome) }, "outcome=\(outcome)")
            }

            for sort in ["created_at", "-created_at"] {
                let whole = try await world.rawIDs([("sort", sort), ("limit", "500")]).ids
                #expect(whole.count == 8)
                let times = try await world.rawTimes([("sort", sort), ("limit", "500")])
                #expect(times == (sort == "created_at" ? times.sorted() : times.sorted(by: >)), "sort=\(sort)")
                for limit in ["1", "2", "3"] {
                    var walked: [String] = []
                    var cursor: String?
                    var pages = 0
                    repeat {
                        var query = [("sort", sort), ("limit", limit)]
                        if let cursor { query.append(("cursor", cursor)) }
                        let page = try await world.rawIDs(query)
                        walked += page.ids
                        cursor = page.next
                        pages += 1
                    } while cursor != nil && pages < 20
                    #expect(walked == whole, "sort=\(sort) limit=\(limit)")
                }
            }
            // The default order is newest first.
            #expect(try await world.rawIDs([("limit", "500")]).ids == world.rawIDs([("sort", "-created_at"), ("limit", "500")]).ids)
            // Paging within one outcome.
            var stored: [String] = []
            var cursor: String?
            repeat {
                var query = [("outcome", "stored"), ("limit", "2")]
                if let cursor { query.append(("cursor", cursor)) }
                let page = try await world.rawIDs(query)
                stored += page.ids
                cursor = page.next
            } while cursor != nil && stored.count < 20
            #expect(stored.count == 5 && Set(stored).count == 5)

            let ascending = try #require(try await world.rawIDs([("sort", "created_at"), ("limit", "1")]).next)
            let cases: [(String, String)] = [
                ("outcome=bogus", "outcome"),
                ("outcome=", "outcome"),
                ("limit=0", "limit"),
                ("limit=501", "limit"),
                ("limit=x", "limit"),
                ("sort=received_at", "sort"),
                ("status=new", "status"),
                ("cursor=\(ascending)", "cursor"),
                ("cursor=!!", "cursor"),
            ]
            for (query, parameter) in cases {
                let response = try await world.send(.get, "/api/raw?\(query)", token: world.readerToken)
                #expect(response.status == .badRequest, "?\(query)")
                #expect(try response.json() == .parameterError(parameter), "?\(query)")
            }
        }
    }
}

// MARK: - users and tokens

@Suite("CRM API: users and tokens")
struct CRMUserTests {
    @Test("GET /api/users lists every user", arguments: Backend.available)
    func listUsers(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let response = try await world.send(.get, "/api/users", token: world.readerToken)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["ok"] == .bool(true))
            let users = body["users"]?.array ?? []
            try #require(users.count == 3)
            let expected = [world.admin, world.manager, world.reader]
            for (shown, user) in zip(users, expected) {
                #expect(shown.keys == ["id", "name", "role", "created_at"])
                #expect(shown["id"] == .number(Double(user.id)))
                #expect(shown["name"] == .string(user.name))
                #expect(shown["role"] == .string(user.role.rawValue))
                #expect(shown["created_at"]?.string.flatMap(Timestamp.parse) != nil)
            }
        }
    }

    @Test("POST /api/users makes a user with a working token of their role; a taken name is 409", arguments: Backend.available)
    func createUser(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let response = try await world.send(.post, "/api/users", token: world.adminToken, body: #"{"name":"zoe","role":"read"}"#)
            #expect(response.status == .created)
            let body = try response.json()
            #expect(body["ok"] == .bool(true))
            let user = try #require(body["user"])
            #expect(user["name"] == "zoe")
            #expect(user["role"] == "read")
            let userID = try #require(user["id"]?.int)
            #expect(user["created_at"]?.string.flatMap(Timestamp.parse) != nil)
            let token = try #require(body["token"]?.string)
            #expect(token.wholeMatch(of: CRMWorld.tokenPattern) != nil, "token \(token)")
            #expect(try await world.crm.user(id: userID)?.name == "zoe")

            #expect(try await world.send(.get, "/api/leads", token: token).status == .ok)
            #expect(try await world.send(.get, "/api/leads.csv", token: token).status == .forbidden)

            let admin = try await world.send(.post, "/api/users", token: world.adminToken, body: #"{"role":"admin","name":"Zed Admin"}"#)
            #expect(admin.status == .created)
            let adminToken = try #require(try admin.json()["token"]?.string)
            #expect(try await world.send(.post, "/api/users", token: adminToken, body: #"{"name":"yan","role":"manage"}"#).status == .created)

            for name in ["zoe", "ada"] {
                let taken = try await world.send(.post, "/api/users", token: world.adminToken, body: #"{"name":"\#(name)","role":"manage"}"#)
                #expect(taken.status == .conflict, "\(name)")
                #expect(try taken.json() == .errorBody("name_taken"), "\(name)")
            }
            let bad = [
                #"{"name":"xavier"}"#,
                #"{"role":"read"}"#,
                #"{"name":"xavier","role":"boss"}"#,
                #"{"name":"xavier","role":"Admin"}"#,
                #"{"name":"","role":"read"}"#,
                #"{"name":"   ","role":"read"}"#,
                #"{"name":42,"role":"read"}"#,
                #"{"name":"xavier","role":"read","email":"x@example.com"}"#,
                #"[{"name":"xavier","role":"read"}]"#,
                #""xavier""#,
            ]
            for payload in bad {
                let refused = try await world.send(.post, "/api/users", token: world.adminToken, body: payload)
                #expect(refused.status == .badRequest, "\(payload)")
                #expect(try refused.json() == .errorBody("invalid_payload"), "\(payload)")
            }
            #expect(try await world.crm.users().map(\.name) == ["ada", "max", "rita", "zoe", "Zed Admin", "yan"])
        }
    }

    @Test("POST /api/users/{id}/tokens issues a token; DELETE /api/tokens/{id} revokes exactly that one", arguments: Backend.available)
    func tokens(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let response = try await world.send(.post, "/api/users/\(world.reader.id)/tokens", token: world.adminToken)
            #expect(response.status == .created)
            let body = try response.json()
            #expect(body["ok"] == .bool(true))
            let token = try #require(body["token"]?.string)
            let tokenID = try #require(body["token_id"]?.string)
            #expect(token.wholeMatch(of: CRMWorld.tokenPattern) != nil, "token \(token)")
            #expect(token.hasPrefix("lcrm_\(tokenID)_"))
            #expect(token != world.readerToken)
            #expect(try await world.send(.get, "/api/leads", token: token).status == .ok)
            #expect(try await world.send(.patch, "/api/leads/x", token: token, body: "{}").status == .forbidden)

            for id in ["999999", "abc", "-1"] {
                let missing = try await world.send(.post, "/api/users/\(id)/tokens", token: world.adminToken)
                #expect(missing.status == .notFound, "\(id)")
                #expect(try missing.json() == .errorBody("not_found"), "\(id)")
            }

            let revoked = try await world.send(.delete, "/api/tokens/\(tokenID)", token: world.adminToken)
            #expect(revoked.status == .ok)
            #expect(try revoked.json() == .object(["ok": .bool(true)]))
            let refused = try await world.send(.get, "/api/leads", token: token)
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
            #expect(try refused.json() == .errorBody("unauthorized"))
            // The user's other token still works.
            #expect(try await world.send(.get, "/api/leads", token: world.readerToken).status == .ok)
            #expect(try await world.crm.token(id: tokenID)?.revokedAt != nil)

            let missing = try await world.send(.delete, "/api/tokens/ffffffffffffffff", token: world.adminToken)
            #expect(missing.status == .notFound)
            #expect(try missing.json() == .errorBody("not_found"))

            // An admin can revoke their own token; it stops working at once.
            let own = try #require(try await world.crm.tokens(userID: world.admin.id).first?.id)
            #expect(try await world.send(.delete, "/api/tokens/\(own)", token: world.adminToken).status == .ok)
            #expect(try await world.send(.get, "/api/users", token: world.adminToken).status == .unauthorized)
        }
    }
}

// MARK: - INTAKE_AUTH and the OpenAPI document

@Suite("CRM API: INTAKE_AUTH and /openapi.json")
struct CRMIntakeAuthTests {
    @Test("INTAKE_AUTH=required: no valid token is 401 and nothing is recorded; any role's token is 201", arguments: Backend.available)
    func intakeRequiresToken(backend: Backend) async throws {
        var configuration = TestApplication.configuration()
        configuration.intakeRequiresToken = true
        try await CRMWorld.run(on: backend, configuration: configuration) { world in
            let (revoked, revokedID) = try await APIToken.issue(for: world.admin, in: world.crm)
            _ = try await world.crm.revokeToken(id: revokedID)
            let lead = #"{"email":"sender@example.com"}"#
            for header in [
                nil, "Bearer nonsense", "Bearer \(revoked)", "Basic dXNlcjpwYXNz",
                "Bearer lcrm_0123456789abcdef_\(String(repeating: "x", count: 43))",
            ] {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let header { headers[.authorization] = header }
                let response = try await world.client.postLead(lead, headers: headers)
                #expect(response.status == .unauthorized, "\(header ?? "no header")")
                #expect(response.headers[.wwwAuthenticate] == "Bearer", "\(header ?? "no header")")
                #expect(try response.json() == .errorBody("unauthorized"), "\(header ?? "no header")")
            }
            #expect(try await world.db.store.submissionCount() == 0)
            #expect(try await world.db.store.leadCount() == 0)

            for token in [world.readerToken, world.managerToken, world.adminToken] {
                let response = try await world.client.postLead(lead, headers: [.contentType: "application/json", .authorization: "Bearer \(token)"])
                #expect(response.status == .created)
            }
            #expect(try await world.db.store.submissionCount() == 3)
            #expect(try await world.db.store.leadCount() == 3)
        }
    }

    @Test("with INTAKE_AUTH open (the default) intake needs no token", arguments: Backend.available)
    func intakeOpen(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let response = try await world.client.postLead(#"{"email":"open@example.com"}"#)
            #expect(response.status == .created)
        }
    }

    static let routes: [(path: String, method: String)] = [
        ("/api/lead", "post"),
        ("/health", "get"),
        ("/health/ready", "get"),
        ("/openapi.json", "get"),
        ("/api/leads", "get"),
        ("/api/leads.csv", "get"),
        ("/api/leads/{id}", "get"),
        ("/api/leads/{id}", "patch"),
        ("/api/leads/{id}", "delete"),
        ("/api/leads/{id}/events", "get"),
        ("/api/raw", "get"),
        ("/api/users", "get"),
        ("/api/users", "post"),
        ("/api/users/{id}/tokens", "post"),
        ("/api/tokens/{token_id}", "delete"),
    ]

    @Test("GET /openapi.json is open and describes every route served", arguments: Backend.available)
    func openAPI(backend: Backend) async throws {
        try await CRMWorld.run(on: backend) { world in
            let response = try await world.client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try response.json()
            #expect(document["openapi"] == "3.1.0")
            #expect(document["info"]?["title"]?.string != nil)
            let paths = try #require(document["paths"]?.object)
            for (path, method) in Self.routes {
                #expect(paths[path]?[method]?.object != nil, "\(method.uppercased()) \(path)")
            }
            #expect(Set(paths.keys) == Set(Self.routes.map(\.path)))
            for (path, item) in paths {
                let documented = Set(item.object?.keys.filter { ["get", "put", "post", "delete", "patch", "head", "options"].contains($0) } ?? [])
                let served = Set(Self.routes.filter { $0.path == path }.map(\.method))
                #expect(documented == served, "\(path)")
            }
            // The documented paths are the served ones: each answers something other than 404 route-not-found.
            for (path, method) in Self.routes {
                let uri = path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{token_id}", with: "0123456789abcdef")
                let answer = try await world.client.execute(uri: uri, method: HTTPRequest.Method(method.uppercased())!)
                #expect(answer.status != .notFound && answer.status != .methodNotAllowed, "\(method.uppercased()) \(uri): \(answer.status)")
            }
            #expect(try await world.client.execute(uri: "/health", method: .get).status == .ok)
        }
    }
}

// MARK: - helpers

/// A clean database with three users (ada: admin, max: manage, rita: read), a token each, and the application on it.
struct CRMWorld: Sendable {
    let db: TestDatabase
    let client: any TestClientProtocol
    let crm: SQLCRMStore
    let admin: User
    let adminToken: String
    let manager: User
    let managerToken: String
    let reader: User
    let readerToken: String

    static func run(
        on backend: Backend,
        configuration: AppConfiguration = TestApplication.configuration(),
        _ test: @Sendable (CRMWorld) async throws -> Void
    ) async throws {
        try await TestApplication.run(on: backend, configuration: configuration) { db, client in
            let crm = try #require(SQLCRMStore(behind: db.store))
            let admin = try await crm.createUser(name: "ada", role: .admin)
            let manager = try await crm.createUser(name: "max", role: .manage)
            let reader = try await crm.createUser(name: "rita", role: .read)
            let world = CRMWorld(
                db: db,
                client: client,
                crm: crm,
                admin: admin,
                adminToken: try await APIToken.issue(for: admin, in: crm).token,
                manager: manager,
                managerToken: try await APIToken.issue(for: manager, in: crm).token,
                reader: reader,
                readerToken: try await APIToken.issue(for: reader, in: crm).token
            )
            try await test(world)
        }
    }

    static var tokenPattern: Regex<Substring> { #/lcrm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/# }

    static let leadKeys: Set<String> = [
        "id", "created_at", "updated_at", "status", "assigned_to", "idempotency_key", "x_request_id", "click_id", "country", "creo",
        "description", "domain", "email", "firstName", "lastName", "ip", "lang", "marker", "offer", "phone", "sourcetype", "extra", "note",
        "erased_at",
    ]

    static let submissionKeys: Set<String> = [
        "id", "received_at", "outcome", "lead_id", "idempotency_key", "x_request_id", "content_type", "user_agent", "client_ip",
        "forwarded_for", "truncated", "error", "body", "body_encoding", "body_sha256", "erased_at",
    ]

    static let csvHeader = [
        "id", "created_at", "updated_at", "status", "assigned_to", "idempotency_key", "x_request_id", "click_id", "country", "creo",
        "description", "domain", "email", "firstName", "lastName", "ip", "lang", "marker", "offer", "phone", "sourcetype", "note", "extra",
    ]

    static func csvRecord(_ row: [String]) -> [String: String] {
        Dictionary(zip(self.csvHeader, row), uniquingKeysWith: { first, _ in first })
    }

    /// Every CRM route, with a body where it takes one.
    static func protectedRoutes(leadID: String, userID: Int, tokenID: String) -> [(method: HTTPRequest.Method, uri: String, body: String?)] {
        [
            (.get, "/api/leads", nil),
            (.get, "/api/leads?status=new", nil),
            (.get, "/api/leads.csv", nil),
            (.get, "/api/leads/\(leadID)", nil),
            (.patch, "/api/leads/\(leadID)", #"{"note":"x"}"#),
            (.delete, "/api/leads/\(leadID)", nil),
            (.get, "/api/leads/\(leadID)/events", nil),
            (.get, "/api/raw", nil),
            (.get, "/api/users", nil),
            (.post, "/api/users", #"{"name":"mallory","role":"admin"}"#),
            (.post, "/api/users/\(userID)/tokens", nil),
            (.delete, "/api/tokens/\(tokenID)", nil),
        ]
    }

    static func time(_ text: String) -> Date {
        Timestamp.parse(text)!
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: String? = nil, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await self.client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func patch(_ id: String, _ body: String, token: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await self.send(.patch, "/api/leads/\(id)", token: token ?? self.managerToken, body: body, headers: headers)
    }

    static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "?" + items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
    }

    /// `GET /api/leads` with `query`: the ids of the page and its `next_cursor`.
    func list(_ query: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> (ids: [String], next: String?) {
        let response = try await self.send(.get, "/api/leads" + Self.queryString(query), token: self.readerToken)
        #expect(response.status == .ok, "GET /api/leads\(Self.queryString(query)): \(response.bodyText)", sourceLocation: sourceLocation)
        let body = try response.json(sourceLocation: sourceLocation)
        return ((body["leads"]?.array ?? []).compactMap { $0["id"]?.string }, body["next_cursor"]?.string)
    }

    func rawIDs(_ query: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> (ids: [String], next: String?) {
        let response = try await self.send(.get, "/api/raw" + Self.queryString(query), token: self.readerToken)
        #expect(response.status == .ok, "GET /api/raw\(Self.queryString(query)): \(response.bodyText)", sourceLocation: sourceLocation)
        let body = try response.json(sourceLocation: sourceLocation)
        return ((body["submissions"]?.array ?? []).compactMap { $0["id"]?.string }, body["next_cursor"]?.string)
    }

    func rawTimes(_ query: [(String, String)]) async throws -> [Date] {
        let body = try await self.send(.get, "/api/raw" + Self.queryString(query), token: self.readerToken).json()
        return (body["submissions"]?.array ?? []).compactMap { $0["received_at"]?.string.flatMap(Timestamp.parse) }
    }

    func createdTimes(_ ids: [String]) async throws -> [Date] {
        var times: [Date] = []
        for id in ids {
            times.append(try #require(try await self.crm.leadRecord(id: id)).lead.createdAt)
        }
        return times
    }

    /// Records a request through the store, exactly as intake would have received it at `time`.
    func record(
        _ body: [UInt8],
        key: String? = nil,
        at time: Date = Date().wholeMilliseconds,
        contentType: String = "application/json",
        userAgent: String? = nil,
        clientAddress: String? = nil,
        forwardedFor: String? = nil
    ) async throws -> IntakeResult {
        let submission = RawSubmission(
            receivedAt: time,
            body: body,
            headers: SubmissionHeaders(contentType: contentType, userAgent: userAgent, idempotencyKey: key, forwardedFor: forwardedFor),
            clientAddress: clientAddress
        )
        return try await self.db.store.record(submission, as: SubmissionInterpretation(of: submission))
    }

    /// A new lead from `json` created at `time`; its id.
    func addLead(_ json: String, key: String? = nil, at time: Date = Date().wholeMilliseconds, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        let result = try await self.record(Array(json.utf8), key: key, at: time)
        guard case .stored(let id) = result else {
            Issue.record("\(json) was not stored: \(result)", sourceLocation: sourceLocation)
            throw CRMTestError.notStored
        }
        return id
    }
}

enum CRMTestError: Error {
    case notStored
    case malformedCSV(String)
}

extension LeadUpdateResult {
    var record: LeadRecord? {
        if case .updated(let record) = self { return record }
        return nil
    }
}

extension Date {
    /// The time to the whole millisecond the tables keep.
    var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: (self.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// Any JSON value, decoded with Foundation, independently of the product's JSON code.
enum JSONTree: Decodable, Equatable, Sendable, ExpressibleByStringLiteral {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let items = try? container.decode([JSONTree].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONTree].self))
        }
    }

    init(stringLiteral value: String) { self = .string(value) }

    static func errorBody(_ code: String) -> JSONTree {
        .object(["ok": .bool(false), "error": .string(code)])
    }

    static func parameterError(_ parameter: String) -> JSONTree {
        .object(["ok": .bool(false), "error": "invalid_parameter", "parameter": .string(parameter)])
    }

    subscript(key: String) -> JSONTree? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var int: Int? {
        if case .number(let number) = self, number == number.rounded() { return Int(number) }
        return nil
    }

    var array: [JSONTree] {
        if case .array(let items) = self { return items }
        return []
    }

    /// The member names of an object.
    var keys: Set<String> {
        Set(self.object?.keys.map { $0 } ?? [])
    }

    var object: [String: JSONTree]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A user id as an event's `from`/`to` may give it: the number, or its text.
    func isID(_ id: String) -> Bool {
        self == .string(id) || self.int.map(String.init) == id
    }
}

extension TestResponse {
    /// The body as JSON, after checking that the response says it is JSON.
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONTree {
        let contentType = self.headers[.contentType] ?? ""
        #expect(contentType == "application/json; charset=utf-8", "Content-Type is \"\(contentType)\"", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(JSONTree.self, from: Data(self.body.readableBytesView))
    }
}

/// RFC 4180 parsing, strict: quotes only around whole cells, `""` inside them, records ended by CRLF.
enum CSVText {
    static func parse(_ text: String) throws -> [[String]] {
        let scalars = Array(text.unicodeScalars)
        var rows: [[String]] = []
        var row: [String] = []
        var cell = String.UnicodeScalarView()
        var index = 0
        var quoted = false
        var wasQuoted = false
        while index < scalars.count {
            let scalar = scalars[index]
            if quoted {
                if scalar == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        cell.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(scalar)
                }
            } else {
                switch scalar {
                case "\"":
                    guard cell.isEmpty, !wasQuoted else { throw CRMTestError.malformedCSV("a quote inside an unquoted cell at \(index)") }
                    quoted = true
                    wasQuoted = true
                case ",":
                    row.append(String(cell))
                    cell = String.UnicodeScalarView()
                    wasQuoted = false
                case "\r":
                    guard index + 1 < scalars.count, scalars[index + 1] == "\n" else {
                        throw CRMTestError.malformedCSV("a bare carriage return in an unquoted cell at \(index)")
                    }
                    row.append(String(cell))
                    rows.append(row)
                    row = []
                    cell = String.UnicodeScalarView()
                    wasQuoted = false
                    index += 1
                case "\n":
                    throw CRMTestError.malformedCSV("a bare line feed in an unquoted cell at \(index)")
                default:
                    guard !wasQuoted else { throw CRMTestError.malformedCSV("text after a closing quote at \(index)") }
                    cell.append(scalar)
                }
            }
            index += 1
        }
        guard !quoted else { throw CRMTestError.malformedCSV("an unterminated quoted cell") }
        if !cell.isEmpty || !row.isEmpty || wasQuoted {
            row.append(String(cell))
            rows.append(row)
        }
        return rows
    }
}

/// SHA-256 written out here, so the digest the API shows is checked against an independent computation.
enum SHA256Hex {
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    static func digest(_ message: [UInt8]) -> String {
        var state: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { (value >> count) | (value << (32 - count)) }
        for chunk in stride(from: 0, to: data.count, by: 64) {
            var words = [UInt32](repeating: 0, count: 64)
            for index in 0..<16 {
                words[index] = data[(chunk + 4 * index)..<(chunk + 4 * index + 4)].reduce(0) { $0 << 8 | UInt32($1) }
            }
            for index in 16..<64 {
                let s0 = rotate(words[index - 15], 7) ^ rotate(words[index - 15], 18) ^ (words[index - 15] >> 3)
                let s1 = rotate(words[index - 2], 17) ^ rotate(words[index - 2], 19) ^ (words[index - 2] >> 10)
                words[index] = words[index - 16] &+ s0 &+ words[index - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
            for index in 0..<64 {
                let t1 = h &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ self.roundConstants[index] &+ words[index]
                let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (index, value) in [a, b, c, d, e, f, g, h].enumerated() {
                state[index] &+= value
            }
        }
        return state.map { String(format: "%08x", $0) }.joined()
    }
}
