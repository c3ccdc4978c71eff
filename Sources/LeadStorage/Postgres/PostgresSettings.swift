import Foundation
import PostgresNIO

/// Where and how to reach PostgreSQL, read from a `DATABASE_URL`.
///
/// Accepts what the old service's Prisma `.env` held: `postgres://` or `postgresql://`, `?schema=` (used as the
/// `search_path`), `connection_limit` (the pool size) and `sslmode`; other Prisma parameters are ignored.
public struct PostgresSettings: Sendable, Equatable {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    /// A directory holding the server's Unix socket, from `?host=/path`; used instead of TCP when set.
    public var socketDirectory: String?
    public var username: String
    public var password: String?
    public var database: String?
    public var schema: String?
    public var poolSize: Int
    public var sslMode: SSLMode
    public var connectTimeout: Duration

    public struct InvalidURL: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url text: String) throws(InvalidURL) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw InvalidURL(description: "expected postgres://user:password@host:port/database")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? "localhost"
        self.port = components.port ?? 5432
        self.socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        self.username = components.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.percentEncodedPath.removingPercentEncoding ?? ""
        let database = path.hasPrefix("/") ? String(path.dropFirst()) : path
        self.database = database.isEmpty ? nil : database
        self.schema = query["schema"].flatMap { $0.isEmpty ? nil : $0 }
        if let limit = query["connection_limit"] {
            guard let size = Int(limit), size > 0 else {
                throw InvalidURL(description: "connection_limit must be a positive integer, got \"\(limit)\"")
            }
            self.poolSize = size
        } else {
            self.poolSize = 10
        }
        if let mode = query["sslmode"] {
            guard let sslMode = SSLMode(rawValue: mode.lowercased()) else {
                let known = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw InvalidURL(description: "sslmode must be one of \(known), got \"\(mode)\"")
            }
            self.sslMode = sslMode
        } else {
            self.sslMode = .prefer
        }
        if let timeout = query["connect_timeout"] {
            guard let seconds = Int(timeout), seconds > 0 else {
                throw InvalidURL(description: "connect_timeout must be a positive number of seconds, got \"\(timeout)\"")
            }
            self.connectTimeout = .seconds(seconds)
        } else {
            self.connectTimeout = .seconds(5)
        }
    }

    /// The settings for postgres-nio's client. The session time zone is UTC because the old service's columns are
    /// `timestamp without time zone` holding UTC, as Prisma wrote them.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(self.port)",
                username: self.username,
                password: self.password,
                database: self.database
            )
        } else {
            configuration = .init(
                host: self.host,
                port: self.port,
                username: self.username,
                password: self.password,
                database: self.database,
                tls: self.tls
            )
        }
        configuration.options.maximumConnections = self.poolSize
        configuration.options.connectTimeout = self.connectTimeout
        // No pool keep-alive. The pool closes a connection after 60 s idle anyway, so a keep-alive query (due after
        // 30 s idle) protects little; but it is set up as a timer every time a connection goes back to the pool and
        // torn down when it is taken again. (When intake still took a pooled connection per batch, dropping it gave
        // 6–8% more requests/s at 32 connections in three of four interleaved comparisons.)
        configuration.options.keepAliveBehavior = nil
        var parameters = [("TimeZone", "UTC"), ("application_name", "leadcrm")]
        if let schema {
            parameters.append(("search_path", Self.quoteIdentifier(schema)))
        }
        configuration.options.additionalStartupParameters = parameters
        return configuration
    }

    /// The settings of one connection outside the pool (intake's own, `IntakeConnection`): the pool's server, login,
    /// TLS and session. Throws when the TLS context cannot be made.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let pool = self.clientConfiguration
        var configuration: PostgresConnection.Configuration
        if let path = pool.unixSocketPath {
            configuration = .init(unixSocketPath: path, username: pool.username, password: pool.password, database: pool.database)
        } else {
            let tls = try self.tlsPolicy.map { policy -> PostgresConnection.Configuration.TLS in
                let context = try NIOSSLContext(configuration: policy.configuration)
                return policy.required ? .require(context) : .prefer(context)
            }
            configuration = .init(
                host: self.host, port: self.port, username: pool.username, password: pool.password, database: pool.database, tls: tls ?? .disable)
        }
        configuration.options.connectTimeout = TimeAmount(pool.options.connectTimeout)
        configuration.options.additionalStartupParameters = pool.options.additionalStartupParameters
        return configuration
    }

    private var tls: PostgresClient.Configuration.TLS {
        guard let policy = self.tlsPolicy else { return .disable }
        return policy.required ? .require(policy.configuration) : .prefer(policy.configuration)
    }

    /// The TLS `sslmode` asks for: none, or a configuration and whether the server must take it.
    private var tlsPolicy: (configuration: TLSConfiguration, required: Bool)? {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch self.sslMode {
        case .disable:
            return nil
        case .allow, .prefer:
            // Like libpq: encrypt when the server offers it, without verifying the certificate.
            tlsConfiguration.certificateVerification = .none
            return (tlsConfiguration, false)
        case .require:
            tlsConfiguration.certificateVerification = .none
            return (tlsConfiguration, true)
        case .verifyCA:
            tlsConfiguration.certificateVerification = .noHostnameVerification
            return (tlsConfiguration, true)
        case .verifyFull:
            return (tlsConfiguration, true)
        }
    }

    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
