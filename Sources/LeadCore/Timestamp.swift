import Foundation

/// ISO-8601 text with milliseconds in UTC (`2026-11-25T17:31:34.123Z`), as the old service's `/health` wrote it
/// and as SQLite stores times, so that text order is time order.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func format(_ date: Date) -> String {
        self.style.format(date)
    }

    public static func parse(_ text: String) -> Date? {
        try? self.style.parse(text)
    }
}
