import Foundation
import Glibc

/// The few file operations the spool needs, as plain system calls: append, fdatasync, positioned reads, truncate.
/// Errors carry the call and `errno` text, e.g. "write: No space left on device".
struct JournalFileError: Error, CustomStringConvertible {
    let description: String

    static func lastError(_ call: String, _ path: String) -> JournalFileError {
        JournalFileError(description: "\(call) \(path): \(String(cString: strerror(errno)))")
    }
}

enum JournalFile {
    static func openForAppend(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalFileError.lastError("open", path) }
        return descriptor
    }

    /// Writes every byte, then `fdatasync`: when this returns, the bytes survive a crash or power loss.
    static func appendDurably(_ descriptor: Int32, _ chunks: [[UInt8]], path: String) throws {
        for chunk in chunks {
            var offset = 0
            while offset < chunk.count {
                let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, chunk.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw JournalFileError.lastError("write", path)
                }
                offset += written
            }
        }
        guard fdatasync(descriptor) == 0 else { throw JournalFileError.lastError("fdatasync", path) }
    }

    static func truncate(_ descriptor: Int32, to size: Int, path: String) throws {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw JournalFileError.lastError("ftruncate", path) }
        guard fdatasync(descriptor) == 0 else { throw JournalFileError.lastError("fdatasync", path) }
    }

    static func read(_ path: String, from offset: Int, count: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalFileError.lastError("open", path) }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw JournalFileError.lastError("read", path)
            }
            if got == 0 { break }
            done += got
        }
        return done == count ? bytes : Array(bytes[0..<done])
    }

    static func size(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw JournalFileError.lastError("stat", path) }
        return Int(info.st_size)
    }

    /// Makes a file's creation or removal itself durable.
    static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalFileError.lastError("open", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw JournalFileError.lastError("fsync", directory) }
    }

    /// Holds an exclusive lock on `path` for the life of the process, so two leadcrm processes never share a spool.
    ///
    /// A lock held elsewhere is tried again every 10 ms for up to `patience` before giving up: a leadcrm that is
    /// shutting down (say, a restart) lets go of it within moments, and so does a process this one is starting,
    /// which holds a copy of every open file from its fork until its exec.
    static func lockExclusively(_ path: String, patience: Duration = .seconds(2)) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalFileError.lastError("open", path) }
        let deadline = ContinuousClock.now + patience
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            switch errno {
            case EINTR:
                continue
            case EWOULDBLOCK where ContinuousClock.now < deadline:
                usleep(10_000)
            case EWOULDBLOCK:
                close(descriptor)
                throw JournalFileError(description: "\(path) is locked: another leadcrm process uses this spool directory")
            default:
                let error = JournalFileError.lastError("flock", path)
                close(descriptor)
                throw error
            }
        }
        return descriptor
    }
}
