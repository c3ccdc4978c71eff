import Foundation
import LeadCore
import NIOCore
import SQLiteNIO

/// The CRM's queries on the SQLite file; a transaction holds the file's write turn, like intake's.
struct SQLiteSQLDatabase: SQLDatabase {
    let database: SQLiteDatabaseFile
    /// Inside `transaction`: queries run on the connection without taking the turn again.
    var insideTransaction = false

    var dialect: SQLDialect { .sqlite }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let data = binds.map { value -> SQLiteData in
            switch value {
            case .null: .null
            case .text(let text): .text(text)
            case .integer(let number): .integer(number)
            case .bytes(let bytes): .blob(ByteBuffer(bytes: bytes))
            case .time(let date): .text(Timestamp.format(date))
            case .bool(let flag): .integer(flag ? 1 : 0)
            }
        }
        return try await self.database.rows(sql, data).map { row in
            var values: [String: SQLValue] = [:]
            values.reserveCapacity(row.columns.count)
            for column in row.columns {
                switch column.data {
                case .null: values[column.name] = .null
                case .text(let text): values[column.name] = .text(text)
                case .integer(let number): values[column.name] = .integer(number)
                case .float(let number): values[column.name] = .text(String(number))
                case .blob(let buffer): values[column.name] = .bytes(Array(buffer.readableBytesView))
                }
            }
            return SQLRow(values: values)
        }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if self.insideTransaction { return try await body(self) }
        return try await self.database.transaction {
            try await body(SQLiteSQLDatabase(database: self.database, insideTransaction: true))
        }
    }
}
