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
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let metadata = event.metadata { merged.merge(metadata) { _, new in new } }
        let time = Timestamp.format(Date())
        switch self.format {
        case .json:
            self.writer.write(Self.jsonLine(time: time, level: event.level, message: "\(event.message)", label: self.label, metadata: merged))
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.flatten($0.value))" }.joined(separator: " ")
            let level = event.level.rawValue.uppercased()
            self.writer.write("\(time) \(level) \(event.message)\(fields.isEmpty ? "" : " ")\(fields)")
        }
    }

    static func jsonLine(time: String, level: Logger.Level, message: String, label: String, metadata: Logger.Metadata) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("time", .string(time)), ("level", .string(level.rawValue)), ("msg", .string(message)), ("logger", .string(label)),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            members.append((key, self.json(value)))
        }
        return JSONValue.object(members).jsonText
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
        let text = "\(value)"
        return text.contains(" ") || text.isEmpty ? "\"\(text)\"" : text
    }
}
