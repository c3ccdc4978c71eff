import Foundation
import Hummingbird
import LeadCore

/// `GET /health`: ok only when the database takes writes — the old service said ok while its database was down.
struct HealthController {
    let store: any LeadStore

    func addRoutes(to router: Router<LeadRequestContext>) {
        router.get("/health") { _, _ in
            try await self.health()
        }
    }

    func health() async throws -> Response {
        let timestamp = JSONValue.string(Timestamp.format(Date()))
        do {
            try await self.store.checkHealth()
            return JSONResponse.make(.ok, [("ok", .bool(true)), ("timestamp", timestamp), ("database", .string("up"))])
        } catch {
            return JSONResponse.make(
                .serviceUnavailable,
                [("ok", .bool(false)), ("timestamp", timestamp), ("database", .string("down"))]
            )
        }
    }
}
