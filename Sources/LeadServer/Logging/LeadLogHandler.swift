import Foundation
import LeadCore
import Logging

/// The log format of leadcrm: one JSON object per line in production (for log shippers), a readable line otherwise.
///
/// JSON lines carry `time`, `level`, `msg`, `logger` and every metadata key flat, the shape pino-based tooling of the
/// old service already parses.
public struct LeadLogHandler: LogHandler {
    public enum Format: Sendable {
        case json
        case text
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format
    let writer: LogLineWriter

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.writer = .standardError
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        self.writer.write(
            Self.line(
                self.format,
                time: Timestamp.format(Date()),
                level: event.level,
                message: "\(event.message)",
                label: self.label,
                metadata: self.merged(event.metadata)
            )
        )
    }

    /// The handler's metadata, the provider's and the event's, later ones winning. At the info level every request
    /// logs a line, so the common case — only the event has metadata — takes it as it is instead of copying it.
    func merged(_ event: Logger.Metadata?) -> Logger.Metadata {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        guard let event, !event.isEmpty else { return merged }
        guard !merged.isEmpty else { return event }
        merged.merge(event) { _, new in new }
        return merged
    }

    static func line(
        _ format: Format,
        time: String,
        level: Logger.Level,
        message: String,
        label: String,
        metadata: Logger.Metadata
    ) -> String {
        switch format {
        case .json: self.jsonLine(time: time, level: level, message: message, label: label, metadata: metadata)
        case .text: self.textLine(time: time, level: level, message: message, metadata: metadata)
        }
    }

    /// `<time> <LEVEL> <message> key=value ...`, keys in order; a value with a space (or none) in quotes.
    static func textLine(time: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = time
        line.reserveCapacity(time.utf8.count + message.utf8.count + 16 + metadata.count * 48)
        line.append(" ")
        line.append(level.rawValue.uppercased())
        line.append(" ")
        line.append(message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.append(" ")
            line.append(key)
            line.append("=")
            line.append(self.flatten(value))
        }
        return line
    }

    static func jsonLine(time: String, level: Logger.Level, message: String, label: String, metadata: Logger.Metadata) -> String {
        // Written straight into room reserved once (a request's line is about 350 bytes), not built as a `JSONValue`
        // first: every request writes one at the info level.
        var line = #"{"time":"#
        line.reserveCapacity(128 + message.utf8.count + metadata.count * 48)
        JSONValue.writeString(time, to: &line)
        line += #","level":"#
        JSONValue.writeString(level.rawValue, to: &line)
        line += #","msg":"#
        JSONValue.writeString(message, to: &line)
        line += #","logger":"#
        JSONValue.writeString(label, to: &line)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += ","
            JSONValue.writeString(key, to: &line)
            line += ":"
            self.json(value).write(to: &line)
        }
        line += "}"
        return line
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(self.json))
        case .dictionary(let dictionary): .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, self.json($0.value)) })
        }
    }

    static func flatten(_ value: Logger.Metadata.Value) -> String {
        let text = value.description
        // On the bytes: `String.contains(_:)` with a string goes through Foundation's `range(of:)`, which was a third
        // of the cost of every request's log line.
        return text.isEmpty || text.utf8.contains(UInt8(ascii: " ")) ? "\"\(text)\"" : text
    }
}
