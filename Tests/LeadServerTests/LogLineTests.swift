import Foundation
import Logging
import Testing

@testable import LeadServer

/// The two log line formats: readable text, and in production one JSON object per line that pino-based tooling
/// parses (`time`, `level`, `msg`, `logger` and every metadata key flat).
@Suite struct LogLineTests {
    static let time = "2026-11-26T17:01:02.345Z"

    /// Fields in key order; a value with a space, or an empty one, in quotes; none after a message without metadata.
    @Test(arguments: [
        (
            Logger.Level.info, "request", ["http.status": "201", "duration_ms": "1.5", "http.path": "/api/lead"] as Logger.Metadata,
            "2026-11-26T17:01:02.345Z INFO request duration_ms=1.5 http.path=/api/lead http.status=201"
        ),
        (
            .warning, "a batch insert failed", ["error": "value too long", "empty": "", "tab": "a\tb"],
            "2026-11-26T17:01:02.345Z WARNING a batch insert failed empty=\"\" error=\"value too long\" tab=a\tb"
        ),
        (.critical, "leadcrm stopped", [:], "2026-11-26T17:01:02.345Z CRITICAL leadcrm stopped"),
    ])
    func textLine(level: Logger.Level, message: String, metadata: Logger.Metadata, expected: String) {
        #expect(LeadLogHandler.textLine(time: Self.time, level: level, message: message, metadata: metadata) == expected)
    }

    @Test func jsonLineIsOneFlatObjectThatParses() throws {
        let line = LeadLogHandler.line(
            .json,
            time: Self.time,
            level: .info,
            message: "request \"quoted\"\nsecond line",
            label: "leadcrm",
            metadata: ["http.status": "409", "idempotency.key": "k-ü-1", "nested": .dictionary(["b": "2", "a": "1"])]
        )
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == Self.time)
        #expect(object["level"] as? String == "info")
        #expect(object["msg"] as? String == "request \"quoted\"\nsecond line")
        #expect(object["logger"] as? String == "leadcrm")
        #expect(object["http.status"] as? String == "409")
        #expect(object["idempotency.key"] as? String == "k-ü-1")
        #expect(object["nested"] as? [String: String] == ["a": "1", "b": "2"])
        #expect(line.hasPrefix(#"{"time":"2026-11-26T17:01:02.345Z","level":"info","msg":"#))
    }

    @Test func eventMetadataWinsOverTheHandlers() {
        var handler = LeadLogHandler(label: "leadcrm", level: .info, format: .text)
        #expect(handler.merged(nil) == [:])
        #expect(handler.merged(["a": "event"]) == ["a": "event"])
        handler[metadataKey: "a"] = "handler"
        handler[metadataKey: "b"] = "handler"
        #expect(handler.merged(nil) == ["a": "handler", "b": "handler"])
        #expect(handler.merged(["a": "event", "c": "event"]) == ["a": "event", "b": "handler", "c": "event"])
    }

    @Test func providedMetadataSitsBetweenTheHandlersAndTheEvents() {
        var handler = LeadLogHandler(label: "leadcrm", level: .info, format: .text)
        handler[metadataKey: "a"] = "handler"
        handler.metadataProvider = Logger.MetadataProvider { ["a": "provided", "b": "provided"] }
        #expect(handler.merged(nil) == ["a": "provided", "b": "provided"])
        #expect(handler.merged(["b": "event"]) == ["a": "provided", "b": "event"])
    }
}
