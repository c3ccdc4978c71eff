import HTTPTypes
import Hummingbird

/// CORS as configured by `CORS_ORIGINS`: every origin (the default, as landing pages post from anywhere), a list of
/// origins, or none. Preflight `OPTIONS` requests are answered here without reaching a route.
struct CORSPolicyMiddleware: RouterMiddleware {
    typealias Context = LeadRequestContext

    let origins: AppConfiguration.CORSOrigins
    let cors: CORSMiddleware<Context>

    init(origins: AppConfiguration.CORSOrigins) {
        self.origins = origins
        let allowOrigin: CORSMiddleware<Context>.AllowOriginExtended = origins == .all ? .all : .originBased
        self.cors = CORSMiddleware(
            allowOrigin: allowOrigin,
            allowHeaders: [
                .accept, .authorization, .contentType, .origin, .ifMatch, IntakeController.idempotencyKeyHeader,
                RequestLogMiddleware.requestIDHeader,
            ],
            allowMethods: [.get, .post, .patch, .delete, .head, .options],
            exposedHeaders: ["X-Request-Id", "ETag", "Content-Disposition"],
            maxAge: .seconds(86400)
        )
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch self.origins {
        case .all:
            return try await self.cors.handle(request, context: context, next: next)
        case .list(let allowed):
            if let origin = request.headers[.origin], allowed.contains(origin) {
                return try await self.cors.handle(request, context: context, next: next)
            }
            return try await next(request, context)
        case .none:
            return try await next(request, context)
        }
    }
}
