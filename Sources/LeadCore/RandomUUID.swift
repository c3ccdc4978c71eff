import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// UUIDs for every request — random (version 4) and time-ordered (version 7) — and their lowercase text.
///
/// `UUID()` reads `/dev/urandom` for each id — open, read and close, three system calls — which was 5% of intake's
/// CPU time at two ids per request. These come from the same source, the kernel's random generator, fetched 4 KB at
/// a time.
public enum RandomUUID {
    private static let pool = Mutex(RandomBytes())

    public static func make() -> UUID {
        self.uuid(version: 4, from: self.pool.withLock { $0.next16() })
    }

    /// A version 7 UUID: the time in milliseconds, then 74 random bits. Ids made close together in time sort
    /// together, so a batch's rows land in neighbouring index pages instead of a random page each.
    public static func timeOrdered(at date: Date) -> UUID {
        var bytes = self.pool.withLock { $0.next16() }
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        bytes.0 = UInt8(truncatingIfNeeded: milliseconds >> 40)
        bytes.1 = UInt8(truncatingIfNeeded: milliseconds >> 32)
        bytes.2 = UInt8(truncatingIfNeeded: milliseconds >> 24)
        bytes.3 = UInt8(truncatingIfNeeded: milliseconds >> 16)
        bytes.4 = UInt8(truncatingIfNeeded: milliseconds >> 8)
        bytes.5 = UInt8(truncatingIfNeeded: milliseconds)
        return self.uuid(version: 7, from: bytes)
    }

    /// `bytes` with the version in the high nibble of byte 6 and the RFC 9562 variant in the top bits of byte 8.
    private static func uuid(version: UInt8, from bytes: RandomBytes.Sixteen) -> UUID {
        var bytes = bytes
        bytes.6 = (bytes.6 & 0x0F) | (version << 4)
        bytes.8 = (bytes.8 & 0x3F) | 0x80
        return UUID(uuid: bytes)
    }

    /// `uuid.uuidString.lowercased()`, without the two intermediate strings.
    public static func lowercaseText(of uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = digits.utf8Start[Int(byte >> 4)]
                    text[position + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}

/// A buffer of random bytes from the kernel, refilled when used up.
private struct RandomBytes: ~Copyable {
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private var offset = 4096
    /// `/dev/urandom`, open for the life of the process (-1 where it cannot be opened).
    private let source: Int32 = {
        #if canImport(Glibc)
            open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        #else
            -1
        #endif
    }()

    typealias Sixteen = (
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
    )

    mutating func next16() -> Sixteen {
        if self.offset + 16 > self.buffer.count {
            self.refill()
        }
        defer { self.offset += 16 }
        return self.buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: self.offset, as: Sixteen.self) }
    }

    private mutating func refill() {
        let source = self.source
        self.buffer.withUnsafeMutableBytes { buffer in
            var filled = 0
            #if canImport(Glibc)
                while source >= 0 && filled < buffer.count {
                    let count = read(source, buffer.baseAddress! + filled, buffer.count - filled)
                    if count > 0 {
                        filled += count
                    } else if count == 0 || errno != EINTR {
                        break
                    }
                }
            #endif
            // Without /dev/urandom: the standard library's generator (the same kernel source), 8 bytes at a time.
            var generator = SystemRandomNumberGenerator()
            while filled < buffer.count {
                withUnsafeBytes(of: generator.next()) { word in
                    let count = min(word.count, buffer.count - filled)
                    buffer.baseAddress!.advanced(by: filled).copyMemory(from: word.baseAddress!, byteCount: count)
                    filled += count
                }
            }
        }
        self.offset = 0
    }
}
