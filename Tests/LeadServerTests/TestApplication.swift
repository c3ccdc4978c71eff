import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LeadCore
import LeadServer
import LeadTestSupport
import Logging

/// The application under test, built exactly as `leadcrm serve` builds it but around a store the test chose, and
/// reached over a real socket: intake requests take the path senders' requests take (`DirectIntakeHandler` in the
/// channel pipeline, or the router), not only the router.
enum TestApplication {
    /// Logs are not asserted on here; discarding them keeps the test output readable.
    static let logger = Logger(label: "leadcrm.server-test") { _ in SwiftLogNoOpLogHandler() }

    /// The default configuration minus migration, which `TestDatabase` has already done.
    static func configuration(maxBodyBytes: Int = 1 << 20, corsOrigins: AppConfiguration.CORSOrigins = .all) -> AppConfiguration {
        AppConfiguration(maxBodyBytes: maxBodyBytes, corsOrigins: corsOrigins, migrateOnStart: false)
    }

    static func run<Value: Sendable>(
        store: any LeadStore,
        configuration: AppConfiguration = configuration(),
        _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = buildApplication(configuration, bootstrap: StoreBootstrap(store: store, services: []), logger: self.logger)
        return try await app.test(.live, test)
    }

    /// A clean, migrated database of `backend` and the application on it.
    static func run<Value: Sendable>(
        on backend: Backend,
        configuration: AppConfiguration = configuration(),
        _ test: @Sendable (TestDatabase, any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await TestDatabase.with(backend) { db in
            try await self.run(store: db.store, configuration: configuration) { client in
                try await test(db, client)
            }
        }
    }
}

extension TestClientProtocol {
    /// `POST /api/lead` with a JSON body unless other headers are given.
    func postLead(_ body: String, headers: HTTPFields = [.contentType: "application/json"]) async throws -> TestResponse {
        try await self.execute(uri: "/api/lead", method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Whether `text` is a UUID written the way the old service wrote ids: lower case.
func isLowercaseUUID(_ text: String) -> Bool {
    UUID(uuidString: text) != nil && text == text.lowercased()
}
