import Hummingbird
import LeadCore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the leadcrm application for a configuration: opens its store, adds the routes, and migrates the database
/// before the server starts listening (unless `migrateOnStart` is off).
public func buildApplication(_ configuration: AppConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    let bootstrap = try await StoreBootstrap.open(configuration, spooling: true, logger: logger)
    return buildApplication(configuration, bootstrap: bootstrap, logger: logger)
}

/// Builds the application around a store that is already open; tests use it with the store of their clean database.
public func buildApplication(_ configuration: AppConfiguration, bootstrap: StoreBootstrap, logger: Logger) -> some ApplicationProtocol {
    let router = buildRouter(configuration, store: bootstrap.store, crm: bootstrap.crm, logger: logger)
    // Intake that needs a token goes through the router, where the token is checked.
    let directIntake =
        configuration.intakeRequiresToken ? nil : IntakeController(configuration, store: bootstrap.store, crm: bootstrap.crm)
    var app = Application(
        router: router,
        // Idle keep-alive connections are closed so that abandoned clients do not pile up.
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionCloseHandler()]
                    + (directIntake.map { [DirectIntakePlacement(intake: $0, logger: logger)] } ?? []),
                idleTimeout: TimeAmount(configuration.idleTimeout)
            )
        ),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: bootstrap.services,
        logger: logger
    )
    if configuration.migrateOnStart {
        let store = bootstrap.store
        let waits = bootstrap.waitsForDatabase
        app.beforeServerStarts {
            if waits {
                try await migrateWhenReachable(store, logger: logger)
            } else {
                try await store.migrate()
            }
        }
    }
    return app
}

/// The routes and middleware. Order matters: the log line sees the final status, and CORS headers are added to
/// error responses too.
func buildRouter(_ configuration: AppConfiguration, store: any LeadStore, crm: any CRMStore, logger: Logger) -> Router<LeadRequestContext> {
    let router = Router(context: LeadRequestContext.self)
    let knownRoutes = KnownRoutes()
    router.addMiddleware {
        RequestLogMiddleware(logger: logger)
        CORSPolicyMiddleware(origins: configuration.corsOrigins)
        ErrorMiddleware(logger: logger, routes: knownRoutes)
    }
    IntakeController(configuration, store: store, crm: crm).addRoutes(to: router)
    HealthController(store: store).addRoutes(to: router)
    CRMController(crm: crm, statuses: configuration.leadStatuses, logger: logger).addRoutes(to: router)
    let openAPI = ByteBuffer(string: OpenAPIDocument.json(statuses: configuration.leadStatuses))
    router.get("/openapi.json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: openAPI))
    }
    knownRoutes.learn(router.routes)
    return router
}
