/// A strict JSON grammar with a tolerant reading of text.
///
/// The grammar is the one senders' JSON libraries produce (RFC 8259, what `JSON.parse` accepts), so a body the old
/// service called invalid is invalid here too. Text is read the way Node read it: invalid UTF-8 and lone surrogate
/// escapes become U+FFFD instead of failing the lead. Depth is bounded so a hostile body cannot exhaust the stack.
public struct JSONParser {
    public enum Failure: Error, Equatable, Sendable {
        case empty
        case unexpected(offset: Int)
        case tooDeep
        case trailingContent(offset: Int)
    }

    public static let maximumDepth = 256

    private let bytes: [UInt8]
    private var index: Int

    public static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark is what some Windows senders put first; it is not part of the document.
        self.index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    private mutating func parseDocument() throws(Failure) -> JSONValue {
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw .empty }
        let value = try self.parseValue(depth: 0)
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw .trailingContent(offset: self.index) }
        return value
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private var failure: Failure { .unexpected(offset: self.index) }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maximumDepth else { throw .tooDeep }
        guard self.index < self.bytes.count else { throw self.failure }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"):
            try self.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try self.parseNumber())
        default: throw self.failure
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.failure }
        let matches = literal.withUTF8Buffer { expected in
            expected.elementsEqual(self.bytes[self.index..<self.index + count])
        }
        guard matches else { throw self.failure }
        self.index += count
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        self.index += 1
        var members: [(key: String, value: JSONValue)] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else { throw self.failure }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else { throw self.failure }
            self.index += 1
            self.skipWhitespace()
            let value = try self.parseValue(depth: depth + 1)
            members.append((key, value))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.failure }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw self.failure
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            elements.append(try self.parseValue(depth: depth + 1))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.failure }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw self.failure
            }
        }
    }

    private mutating func parseNumber() throws(Failure) -> String {
        let start = self.index
        if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        guard self.index < self.bytes.count else { throw self.failure }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else {
            guard self.skipDigits() > 0 else { throw self.failure }
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            self.index += 1
            guard self.skipDigits() > 0 else { throw self.failure }
        }
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            self.index += 1
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-") {
                self.index += 1
            }
            guard self.skipDigits() > 0 else { throw self.failure }
        }
        return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        let start = self.index
        while self.index < self.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.bytes[self.index]) {
            self.index += 1
        }
        return self.index - start
    }

    private mutating func parseString() throws(Failure) -> String {
        self.index += 1
        // Most strings have no escape: one decode of their bytes is the whole string.
        let start = self.index
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                self.index += 1
                return String(decoding: self.bytes[start..<(self.index - 1)], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.failure }
            self.index += 1
        }
        var scalars = String.UnicodeScalarView()
        var runStart = start
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.appendRun(from: runStart, to: &scalars)
                self.index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                self.appendRun(from: runStart, to: &scalars)
                try self.parseEscape(into: &scalars)
                runStart = self.index
            case 0x00..<0x20:
                throw self.failure
            default:
                self.index += 1
            }
        }
        throw self.failure
    }

    /// Copies raw bytes of a string; `String(decoding:)` turns invalid UTF-8 into U+FFFD rather than failing.
    private func appendRun(from start: Int, to scalars: inout String.UnicodeScalarView) {
        guard start < self.index else { return }
        scalars.append(contentsOf: String(decoding: self.bytes[start..<self.index], as: UTF8.self).unicodeScalars)
    }

    private mutating func parseEscape(into scalars: inout String.UnicodeScalarView) throws(Failure) {
        self.index += 1
        guard self.index < self.bytes.count else { throw self.failure }
        let escaped = self.bytes[self.index]
        self.index += 1
        switch escaped {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{8}")
        case UInt8(ascii: "f"): scalars.append("\u{C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
            let unit = try self.parseHex4()
            switch unit {
            case 0xD800..<0xDC00:
                // A high surrogate is only meaningful with a low one right after it.
                if self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                {
                    let save = self.index
                    self.index += 2
                    let low = try self.parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                        return
                    }
                    self.index = save
                }
                scalars.append("\u{FFFD}")
            case 0xDC00..<0xE000:
                scalars.append("\u{FFFD}")
            default:
                scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
            }
        default:
            throw .unexpected(offset: self.index - 1)
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt16 {
        guard self.index + 4 <= self.bytes.count else { throw self.failure }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.failure
            }
            value = value << 4 | UInt16(digit)
            self.index += 1
        }
        return value
    }
}
