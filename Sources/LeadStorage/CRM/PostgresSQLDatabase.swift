import Foundation
import Logging
import PostgresNIO

/// The CRM's queries on PostgreSQL: each on a pooled connection within the store's deadline, or inside a
/// transaction on one connection.
struct PostgresSQLDatabase: SQLDatabase {
    let store: PostgresLeadStore

    var dialect: SQLDialect { .postgres }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let logger = self.store.logger
        return try await self.store.perform { client in
            try await Self.rows(try await client.query(Self.makeQuery(sql, binds), logger: logger))
        }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await self.store.writeTransaction { transaction in
            try await body(PostgresConnectionDatabase(connection: transaction.connection, logger: self.store.logger))
        }
    }

    static func makeQuery(_ sql: String, _ binds: [SQLValue]) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .bytes(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .time(let date): bindings.append(date)
            case .bool(let flag): bindings.append(flag)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence {
            var values: [String: SQLValue] = [:]
            values.reserveCapacity(24)
            for cell in row {
                values[cell.columnName] = try Self.value(of: cell)
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .bytea: return .bytes(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        case .timestamp, .timestamptz: return .time(try cell.decode(Date.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// Queries inside an open transaction, on its connection.
struct PostgresConnectionDatabase: SQLDatabase {
    let connection: PostgresConnection
    let logger: Logger

    var dialect: SQLDialect { .postgres }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await PostgresSQLDatabase.rows(try await self.connection.query(PostgresSQLDatabase.makeQuery(sql, binds), logger: self.logger))
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await body(self)
    }
}
