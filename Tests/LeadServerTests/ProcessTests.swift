import Foundation
import Hummingbird
import HummingbirdTesting
import LeadTestSupport
import Testing

/// The built `leadcrm` binary, run as a real process: what operators see at start, on bad settings and on SIGTERM.
@Suite("leadcrm process", .enabled(if: LeadCRMProcess.binary != nil, "build the leadcrm binary first (or set LEADCRM_BINARY)"))
struct ProcessTests {
    static let leadCount = 20

    @Test("serve takes leads, stops with status 0 on SIGTERM, and every lead is in the database", arguments: Backend.available)
    func serveAndStop(backend: Backend) async throws {
        // The server migrates the empty database itself; the test's store only reads it afterwards.
        try await TestDatabase.with(backend, migrate: false) { db in
            let port = try await LeadCRMProcess.freePort()
            let server = try LeadCRMProcess.serve(port: port, databaseURL: backend == .sqlite ? "sqlite:\(db.location)" : db.location)
            defer { server.stop() }
            try await server.waitUntilHealthy(port: port)

            let statuses = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                var statuses: [HTTPResponse.Status] = []
                for index in 0..<Self.leadCount {
                    let body = ByteBuffer(string: #"{"email":"lead\#(index)@example.com","click_id":\#(index)}"#)
                    statuses.append(try await client.post("/api/lead", headers: [.contentType: "application/json"], body: body).status)
                }
                return statuses
            }
            #expect(statuses == Array(repeating: .created, count: Self.leadCount))

            server.terminate()
            let status = try await server.exitStatus(within: .seconds(10))
            #expect(status == 0, "stderr:\n\(server.standardError)")
            #expect(try await db.store.leadCount() == Self.leadCount)
            #expect(try await db.store.submissionCount() == Self.leadCount)
        }
    }

    @Test("a bad setting stops serve with status 2 and one line naming it")
    func badSetting() async throws {
        let server = try LeadCRMProcess(["serve"] + LeadCRMProcess.withoutEnvironmentFile, environment: ["PORT": "abc"])
        defer { server.stop() }
        let status = try await server.exitStatus(within: .seconds(10))
        #expect(status == 2)
        let lines = server.standardError.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 && lines.first?.contains("PORT") == true, "stderr:\n\(server.standardError)")
    }

    @Test("serve waits for an unreachable database and still stops with status 0 on SIGTERM")
    func waitsForDatabase() async throws {
        let port = try await LeadCRMProcess.freePort()
        let server = try LeadCRMProcess.serve(port: port, databaseURL: "postgres://postgres@127.0.0.1:1/x?sslmode=disable")
        defer { server.stop() }
        #expect(try await server.keepsRunning(for: .seconds(1)), "stderr:\n\(server.standardError)")

        server.terminate()
        let status = try await server.exitStatus(within: .seconds(10))
        #expect(status == 0, "stderr:\n\(server.standardError)")
    }

    @Test("migrate creates the tables in a fresh PostgreSQL schema", .enabled(if: TestDatabase.postgresURL != nil))
    func migrate() async throws {
        try await TestDatabase.with(.postgres, migrate: false) { db in
            let migrate = try LeadCRMProcess(["migrate"] + LeadCRMProcess.withoutEnvironmentFile, environment: ["DATABASE_URL": db.location])
            defer { migrate.stop() }
            let status = try await migrate.exitStatus(within: .seconds(60))
            #expect(status == 0, "stderr:\n\(migrate.standardError)")
            #expect(try await db.store.leadCount() == 0)
            #expect(try await db.store.submissionCount() == 0)
        }
    }
}
