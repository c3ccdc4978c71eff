import Foundation
import Hummingbird
import LeadCore

/// `GET /health` and `GET /health/ready`.
///
/// `/health` is 200 while a lead sent now would be kept — by the database, or by the spool while the database is
/// away — and says which (`"database":"up"|"down"`, `"spooled":N`). The old service said ok while its database was
/// down; here "down" is always visible, and the status is 503 when nothing can take a lead. `/health/ready` is the
/// same decision for load balancers.
struct HealthController {
    let store: any LeadStore

    func addRoutes(to router: Router<LeadRequestContext>) {
        router.get("/health") { _, _ in
            await self.health()
        }
        router.get("/health/ready") { _, _ in
            await self.health()
        }
    }

    func health() async -> Response {
        let health = await self.store.health()
        var members: [(key: String, value: JSONValue)] = [
            ("ok", .bool(health.acceptingLeads)),
            ("timestamp", .string(Timestamp.format(Date()))),
            ("database", .string(health.databaseUp ? "up" : "down")),
        ]
        if let spooled = health.spooled {
            members.append(("spooled", .number(String(spooled))))
        }
        return JSONResponse.make(health.acceptingLeads ? .ok : .serviceUnavailable, members)
    }
}
