import Foundation
import LeadCore

/// A value bound into, or read out of, a CRM query.
enum SQLValue: Sendable, Equatable {
    case null
    case text(String)
    case integer(Int)
    case bytes([UInt8])
    case time(Date)
    case bool(Bool)
}

/// A result row by column name. Times come back as `.time` from PostgreSQL and as ISO-8601 `.text` from SQLite;
/// the accessors read both.
struct SQLRow: Sendable {
    var values: [String: SQLValue]

    func text(_ column: String) -> String? {
        if case .text(let value)? = self.values[column] { return value }
        return nil
    }

    func integer(_ column: String) -> Int? {
        if case .integer(let value)? = self.values[column] { return value }
        return nil
    }

    func bytes(_ column: String) -> [UInt8]? {
        if case .bytes(let value)? = self.values[column] { return value }
        return nil
    }

    func bool(_ column: String) -> Bool {
        switch self.values[column] {
        case .bool(let value)?: value
        case .integer(let value)?: value != 0
        default: false
        }
    }

    func time(_ column: String) -> Date? {
        switch self.values[column] {
        case .time(let value)?: value
        case .text(let value)?: Timestamp.parse(value)
        default: nil
        }
    }

    func requiredText(_ column: String) throws -> String {
        guard let value = self.text(column) else { throw LeadStoreInconsistency(description: "column \(column) is empty") }
        return value
    }

    func requiredTime(_ column: String) throws -> Date {
        guard let value = self.time(column) else { throw LeadStoreInconsistency(description: "column \(column) holds no time") }
        return value
    }
}

enum SQLDialect: Sendable {
    case postgres
    case sqlite
}

/// Builds a query's text and its binds together, so a value is never spliced into SQL text.
struct SQLBuilder {
    let dialect: SQLDialect
    private(set) var binds: [SQLValue] = []

    init(_ dialect: SQLDialect) {
        self.dialect = dialect
    }

    /// The placeholder for `value`. PostgreSQL times are cast to the columns' `timestamp(3)` (so an index on the
    /// column still applies) and rounded to its milliseconds (a `Date` can cross the wire a microsecond early).
    mutating func bind(_ value: SQLValue) -> String {
        self.binds.append(value)
        let number = self.binds.count
        switch (self.dialect, value) {
        case (.postgres, .time): return "date_trunc('milliseconds', $\(number)::timestamp + interval '0.5 ms')"
        case (.postgres, _): return "$\(number)"
        case (.sqlite, _): return "?\(number)"
        }
    }

    mutating func bind(_ text: String?) -> String {
        self.bind(text.map { .text($0) } ?? .null)
    }
}

/// One database the CRM talks to: plain queries, and transactions whose queries run on one connection.
protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
}

extension SQLDatabase {
    /// Runs the query `build` writes; the placeholders it takes from the builder are bound in order.
    func query(_ build: (inout SQLBuilder) throws -> String) async throws -> [SQLRow] {
        var builder = SQLBuilder(self.dialect)
        let sql = try build(&builder)
        return try await self.query(sql, builder.binds)
    }

    func query(_ builder: SQLBuilder, _ sql: String) async throws -> [SQLRow] {
        try await self.query(sql, builder.binds)
    }
}
