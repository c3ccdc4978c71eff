import Foundation
import LeadCore

/// How a request is written to the spool journal: `[length u32][crc32 u32][payload]`, little-endian.
///
/// The checksum finds a record torn by a crash mid-write. Such a record was never acknowledged (acks follow the
/// fsync), so reading stops there and the torn tail is cut off.
enum SpoolRecord {
    static let headerSize = 8
    static let formatVersion: UInt8 = 1

    static func encode(_ submission: RawSubmission) -> [UInt8] {
        var payload: [UInt8] = [Self.formatVersion]
        payload.reserveCapacity(submission.body.count + 256)
        payload.appendString(submission.idText)
        payload.appendInteger(Int64((submission.receivedAt.timeIntervalSince1970 * 1000).rounded()))
        payload.append(submission.truncated ? 1 : 0)
        let headers = submission.headers
        for text in [
            submission.bodyError, headers.contentType, headers.userAgent, headers.idempotencyKey, headers.requestID,
            headers.forwardedFor, submission.clientAddress,
        ] {
            payload.appendOptionalString(text)
        }
        payload.appendBytes(submission.body)
        var record: [UInt8] = []
        record.reserveCapacity(payload.count + Self.headerSize)
        record.appendInteger(UInt32(payload.count))
        record.appendInteger(CRC32.checksum(payload))
        record.append(contentsOf: payload)
        return record
    }

    enum ReadResult {
        case record(RawSubmission, size: Int)
        /// Fewer bytes than a whole record, or a checksum mismatch: a torn write.
        case torn
        case end
    }

    /// Reads the record that starts at `offset` in `bytes`.
    static func read(_ bytes: [UInt8], at offset: Int) -> ReadResult {
        guard offset < bytes.count else { return .end }
        guard offset + Self.headerSize <= bytes.count else { return .torn }
        var reader = ByteReader(bytes: bytes, offset: offset)
        guard let length = reader.integer(UInt32.self), let checksum = reader.integer(UInt32.self) else { return .torn }
        let start = offset + Self.headerSize
        guard start + Int(length) <= bytes.count else { return .torn }
        let payload = bytes[start..<start + Int(length)]
        guard CRC32.checksum(payload) == checksum, let submission = self.decode(payload) else { return .torn }
        return .record(submission, size: Self.headerSize + Int(length))
    }

    static func decode(_ payload: ArraySlice<UInt8>) -> RawSubmission? {
        var reader = ByteReader(bytes: Array(payload), offset: 0)
        guard reader.byte() == Self.formatVersion,
            let id = reader.string(), let uuid = UUID(uuidString: id),
            let milliseconds = reader.integer(Int64.self),
            let truncated = reader.byte()
        else { return nil }
        var texts: [String?] = []
        for _ in 0..<7 {
            guard let text = reader.optionalString() else { return nil }
            texts.append(text)
        }
        guard let body = reader.byteArray() else { return nil }
        return RawSubmission(
            id: uuid,
            receivedAt: Date(timeIntervalSince1970: Double(milliseconds) / 1000),
            body: body,
            truncated: truncated == 1,
            bodyError: texts[0],
            headers: SubmissionHeaders(
                contentType: texts[1],
                userAgent: texts[2],
                idempotencyKey: texts[3],
                requestID: texts[4],
                forwardedFor: texts[5]
            ),
            clientAddress: texts[6]
        )
    }
}

extension [UInt8] {
    fileprivate mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { self.append(contentsOf: $0) }
    }

    fileprivate mutating func appendBytes(_ bytes: [UInt8]) {
        self.appendInteger(UInt32(bytes.count))
        self.append(contentsOf: bytes)
    }

    fileprivate mutating func appendString(_ text: String) {
        self.appendBytes(Array(text.utf8))
    }

    fileprivate mutating func appendOptionalString(_ text: String?) {
        guard let text else {
            self.append(0)
            return
        }
        self.append(1)
        self.appendString(text)
    }
}

/// Reads the fields `SpoolRecord` writes; every read returns `nil` past the end instead of trapping.
private struct ByteReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func byte() -> UInt8? {
        guard self.offset < self.bytes.count else { return nil }
        defer { self.offset += 1 }
        return self.bytes[self.offset]
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard self.offset + size <= self.bytes.count else { return nil }
        var value: T = 0
        for index in 0..<size {
            value |= T(self.bytes[self.offset + index]) << (8 * index)
        }
        self.offset += size
        return value
    }

    mutating func byteArray() -> [UInt8]? {
        guard let count = self.integer(UInt32.self), self.offset + Int(count) <= self.bytes.count else { return nil }
        defer { self.offset += Int(count) }
        return Array(self.bytes[self.offset..<self.offset + Int(count)])
    }

    mutating func string() -> String? {
        self.byteArray().map { String(decoding: $0, as: UTF8.self) }
    }

    mutating func optionalString() -> String?? {
        switch self.byte() {
        case 0: return .some(nil)
        case 1: return self.string().map { .some($0) }
        default: return nil
        }
    }
}

/// CRC-32 (the zlib polynomial), to detect torn journal records.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1
        }
        return value
    }

    static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}
