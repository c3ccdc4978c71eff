import Foundation
import LeadCore
import Testing

@Suite struct TimestampTests {
    /// `/health` and SQLite rows use this form; text order must be time order.
    @Test func formatsTimestampsWithMilliseconds() throws {
        let date = Date(timeIntervalSince1970: 1_764_091_894.125)
        #expect(Timestamp.format(date) == "2025-11-25T17:31:34.125Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        let parsed = try #require(Timestamp.parse("2025-11-25T17:31:34.125Z"))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.0005)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}
