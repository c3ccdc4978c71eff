import LeadCore
import LeadStorage
import Logging
import ServiceLifecycle

/// Opens the store a configuration names, with the services that must run for it (the PostgreSQL pool, or the
/// SQLite file that closes on shutdown).
public struct StoreBootstrap: Sendable {
    public let store: any LeadStore
    /// The CRM on the same database.
    public let crm: any CRMStore
    public let services: [any Service]
    /// The server waits for the database before it listens; a spooling store listens at once instead.
    public let waitsForDatabase: Bool

    public init(store: any LeadStore, crm: (any CRMStore)? = nil, services: [any Service], waitsForDatabase: Bool = true) {
        self.store = store
        self.crm = crm ?? SQLCRMStore(behind: store) ?? NoCRMStore()
        self.services = services
        self.waitsForDatabase = waitsForDatabase
    }

    /// Opens the configured store. `spooling` puts the local spool in front of PostgreSQL (for `serve`; the
    /// operator commands talk to the database alone).
    public static func open(_ configuration: AppConfiguration, spooling: Bool = false, logger: Logger) async throws -> StoreBootstrap {
        switch configuration.database {
        case .postgres(let settings):
            let store = PostgresLeadStore(settings: settings, deadline: configuration.databaseTimeout, logger: logger)
            let maintenance = SearchIndexMaintenance(store: store, logger: logger)
            guard spooling, let spoolConfiguration = configuration.spool else {
                return StoreBootstrap(store: store, services: [store, maintenance])
            }
            let spool = try Spool.open(spoolConfiguration, logger: logger)
            let spooling = SpoolingLeadStore(database: store, spool: spool, logger: logger)
            return StoreBootstrap(
                store: spooling,
                services: [store, SpoolDrainer(store: spooling, logger: logger), maintenance],
                waitsForDatabase: false
            )
        case .sqlite(let path):
            let store = try await SQLiteLeadStore.open(path: path, logger: logger)
            return StoreBootstrap(store: store, services: [store])
        }
    }
}

/// Migrates at start-up, waiting for a database that is not up yet. The wait ends on graceful shutdown, so SIGTERM
/// stops a process that is still waiting instead of being ignored (and it still exits 0: nothing went wrong).
func migrateWhenReachable(_ store: any LeadStore, logger: Logger) async throws {
    do {
        try await cancelWhenGracefulShutdown {
            try await waitUntilReachable(store, logger: logger)
            try await store.migrate()
        }
    } catch  where Task.isCancelled || Task.isShuttingDownGracefully {
        logger.info("stopped while waiting for the database")
        throw StoppedBeforeStart()
    }
}

/// The server was asked to stop before it could start (while waiting for its database): a clean stop, not a failure.
public struct StoppedBeforeStart: Error {}

/// Polls the database with the short request deadline, so an unreachable server is reported and retried with
/// back-off; only then does a migration (which may legitimately take minutes) start.
func waitUntilReachable(_ store: any LeadStore, logger: Logger) async throws {
    var delay = Duration.milliseconds(250)
    while true {
        do {
            try await store.checkHealth()
            return
        } catch LeadStoreError.unavailable(let reason) {
            logger.warning("database unreachable; waiting for it", metadata: ["retry.in": "\(delay)", "error": "\(reason)"])
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}

extension StoreBootstrap {
    /// Runs `body` with the store's services running, then shuts them down; for commands that are not the server.
    public func withServices<T: Sendable>(_ body: @Sendable (any LeadStore) async throws -> T) async throws -> T {
        let group = ServiceGroup(services: self.services, logger: Logger(label: "leadcrm.store"))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let value = try await body(self.store)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

/// The CRM of an intake store that has no database of its own (a wrapper in tests): every call is `unavailable`.
struct NoCRMStore: CRMStore {
    func fail<T>() throws -> T { throw LeadStoreError.unavailable("this store has no CRM") }

    func createUser(name: String, role: Role) async throws -> User { try self.fail() }
    func users() async throws -> [User] { try self.fail() }
    func user(named name: String) async throws -> User? { try self.fail() }
    func user(id: Int) async throws -> User? { try self.fail() }
    func addToken(id: String, userID: Int, secretDigest: [UInt8]) async throws { throw LeadStoreError.unavailable("this store has no CRM") }
    func token(id: String) async throws -> StoredToken? { try self.fail() }
    func tokens(userID: Int?) async throws -> [StoredToken] { try self.fail() }
    func revokeToken(id: String) async throws -> Bool { try self.fail() }
    func leads(matching filter: LeadFilter, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [LeadRecord] { try self.fail() }
    func leadRecord(id: String) async throws -> LeadRecord? { try self.fail() }
    func submissionRecords(forLead id: String) async throws -> [SubmissionRecord] { try self.fail() }
    func submissionRecords(outcome: IntakeOutcome?, order: ListOrder, after cursor: PageCursor?, limit: Int) async throws -> [SubmissionRecord] {
        try self.fail()
    }
    func updateLead(id: String, change: LeadChange, expectedRevision: Int?, actor: User) async throws -> LeadUpdateResult { try self.fail() }
    func events(forLead id: String) async throws -> [LeadEvent]? { try self.fail() }
    func eraseLead(id: String, actor: User) async throws -> LeadRecord? { try self.fail() }
}
