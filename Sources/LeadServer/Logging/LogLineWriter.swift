import Glibc
import Synchronization

/// Writes whole log lines to standard error, one `write` each under a lock, so lines from concurrent requests never
/// interleave. Standard output stays free for command results (tokens, reports).
final class LogLineWriter: Sendable {
    static let standardError = LogLineWriter(descriptor: 2)

    private let descriptor: Int32
    private let lock = Mutex(())

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func write(_ line: String) {
        var line = line
        line.append("\n")
        self.lock.withLock { _ in
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(self.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
