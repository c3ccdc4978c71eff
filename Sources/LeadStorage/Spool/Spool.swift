import Foundation
import Glibc
import LeadCore
import Logging
import NIOPosix
import Synchronization

/// The local journal that keeps leads while PostgreSQL is away.
///
/// Requests are appended to segment files under the spool directory and acknowledged only after `fdatasync`. All
/// requests waiting at one moment share one write and one sync (group commit), so throughput holds while every ack
/// stays durable. The drainer reads segments in order and removes each once it is fully in PostgreSQL. An index of
/// the idempotency keys still in the journal lets a repeated key be answered 409 with the same lead id.
public final class Spool: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var directory: String
        public var maxBytes: Int
        public var segmentBytes: Int

        public init(directory: String, maxBytes: Int = 1 << 30, segmentBytes: Int = 8 << 20) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.segmentBytes = segmentBytes
        }
    }

    public enum SpoolError: Error, Equatable, CustomStringConvertible {
        /// `SPOOL_MAX_BYTES` is reached.
        case full
        /// The journal could not be written (disk full, I/O error); nothing was acknowledged.
        case unwritable(String)

        public var description: String {
            switch self {
            case .full: "the spool is full"
            case .unwritable(let reason): "the spool cannot be written: \(reason)"
            }
        }
    }

    struct Segment {
        let sequence: Int
        let path: String
        /// Bytes known to be on disk; the drainer reads no further.
        var size: Int
        var entries: Int
        var drainedOffset = 0
        var drainedEntries = 0
    }

    struct Waiter {
        let record: [UInt8]
        let key: String?
        let rawID: String
        let result: IntakeResult
        let continuation: CheckedContinuation<IntakeResult, any Error>
    }

    struct State {
        var segments: [Segment]
        var writeDescriptor: Int32
        var totalBytes: Int
        /// Bytes of accepted records not yet written; they count against the limit already.
        var reservedBytes = 0
        /// An append was refused for lack of room; cleared when a drain frees space.
        var refusedForSpace = false
        /// Idempotency key → the lead id the journal promised for it.
        var keys: [String: String]
        var queue: [Waiter] = []
        var flushing = false
        var writeError: String?
    }

    let configuration: Configuration
    let logger: Logger
    let state: Mutex<State>
    private let lockDescriptor: Int32

    private init(configuration: Configuration, state: State, lockDescriptor: Int32, logger: Logger) {
        self.configuration = configuration
        self.state = Mutex(state)
        self.lockDescriptor = lockDescriptor
        self.logger = logger
    }

    private let closed = Atomic<Bool>(false)

    deinit {
        self.close()
    }

    /// Closes the journal and releases the directory lock; appends fail after this.
    public func close() {
        guard !self.closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.state.withLock { state in
            _ = Glibc.close(state.writeDescriptor)
            state.writeError = "the spool is closed"
        }
        _ = Glibc.close(self.lockDescriptor)
    }

    /// Opens the spool directory, reading what a previous process left there (it will be drained first).
    public static func open(_ configuration: Configuration, logger: Logger) throws -> Spool {
        let directory = configuration.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try JournalFile.lockExclusively("\(directory)/lock")
        do {
            var segments: [Segment] = []
            var keys: [String: String] = [:]
            for (sequence, path) in try Self.segmentFiles(in: directory) {
                segments.append(try Self.scan(sequence: sequence, path: path, keys: &keys, logger: logger))
            }
            if segments.isEmpty {
                segments.append(Segment(sequence: 1, path: Self.path(directory, 1), size: 0, entries: 0))
            }
            let descriptor = try JournalFile.openForAppend(segments[segments.count - 1].path)
            try JournalFile.syncDirectory(directory)
            let total = segments.reduce(0) { $0 + $1.size }
            let pending = segments.reduce(0) { $0 + $1.entries }
            if pending > 0 {
                logger.notice("spool holds requests from an earlier run", metadata: ["spool.entries": "\(pending)", "spool.bytes": "\(total)"])
            }
            let state = State(segments: segments, writeDescriptor: descriptor, totalBytes: total, keys: keys)
            return Spool(configuration: configuration, state: state, lockDescriptor: lock, logger: logger)
        } catch {
            Glibc.close(lock)
            throw error
        }
    }

    static func path(_ directory: String, _ sequence: Int) -> String {
        let digits = String(sequence)
        return "\(directory)/journal-\(String(repeating: "0", count: max(0, 12 - digits.count)))\(digits).log"
    }

    static func segmentFiles(in directory: String) throws -> [(Int, String)] {
        try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { name -> (Int, String)? in
            guard name.hasPrefix("journal-"), name.hasSuffix(".log"),
                let sequence = Int(name.dropFirst("journal-".count).dropLast(".log".count))
            else { return nil }
            return (sequence, "\(directory)/\(name)")
        }.sorted { $0.0 < $1.0 }
    }

    /// Counts a segment's records and indexes their keys; a torn tail (a crash mid-write, never acknowledged) is cut.
    static func scan(sequence: Int, path: String, keys: inout [String: String], logger: Logger) throws -> Segment {
        let size = try JournalFile.size(path)
        let bytes = try JournalFile.read(path, from: 0, count: size)
        var offset = 0
        var entries = 0
        scanning: while true {
            switch SpoolRecord.read(bytes, at: offset) {
            case .record(let submission, let recordSize):
                Self.index(submission, in: &keys)
                offset += recordSize
                entries += 1
            case .torn:
                logger.warning("cutting a torn record from the spool", metadata: ["spool.file": "\(path)", "spool.offset": "\(offset)"])
                let descriptor = try JournalFile.openForAppend(path)
                defer { Glibc.close(descriptor) }
                try JournalFile.truncate(descriptor, to: offset, path: path)
                break scanning
            case .end:
                break scanning
            }
        }
        return Segment(sequence: sequence, path: path, size: offset, entries: entries)
    }

    static func index(_ submission: RawSubmission, in keys: inout [String: String]) {
        guard let key = submission.headers.idempotencyKey, keys[key] == nil,
            case .lead = SubmissionInterpretation(of: submission)
        else { return }
        keys[key] = submission.idText
    }
}

extension Spool {
    /// Requests in the journal not yet in PostgreSQL.
    public var pendingCount: Int {
        self.state.withLock { state in state.segments.reduce(0) { $0 + $1.entries - $1.drainedEntries } }
    }

    /// Whether an append could succeed now: room left and the last write worked.
    public var canAccept: Bool {
        self.state.withLock { state in
            state.writeError == nil && !state.refusedForSpace && state.totalBytes + state.reservedBytes < self.configuration.maxBytes
        }
    }

    /// The lead id the journal promised for a key, while that key's request is still in the journal.
    public func leadID(forKey key: String) -> String? {
        self.state.withLock { $0.keys[key] }
    }

    /// Appends a request durably and says what the sender is told: 202 for a lead (or 409 when its key is already
    /// in the journal), the usual 4xx for a request that is no lead (it is kept all the same).
    public func append(_ submission: RawSubmission, as interpretation: SubmissionInterpretation) async throws -> IntakeResult {
        let record = SpoolRecord.encode(submission)
        let rawID = submission.idText
        let key = submission.headers.idempotencyKey
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<IntakeResult, any Error>) in
            // One lock for the answer and the place in the queue: a request answered 409 for a key must be journaled
            // after the request that was promised the key's lead.
            let decision = self.state.withLock { state -> Result<Bool, SpoolError> in
                if let reason = state.writeError, self.closed.load(ordering: .acquiring) { return .failure(.unwritable(reason)) }
                guard state.totalBytes + state.reservedBytes + record.count <= self.configuration.maxBytes else {
                    state.refusedForSpace = true
                    return .failure(.full)
                }
                state.reservedBytes += record.count
                let result: IntakeResult
                var indexedKey: String?
                if case .rejected(let rejection) = interpretation {
                    result = .rejected(rejection)
                } else if let key, let existing = state.keys[key] {
                    result = .duplicate(leadID: existing)
                } else {
                    if let key { state.keys[key] = rawID }
                    indexedKey = key
                    result = .queued(leadID: rawID)
                }
                state.queue.append(Waiter(record: record, key: indexedKey, rawID: rawID, result: result, continuation: continuation))
                if state.flushing { return .success(false) }
                state.flushing = true
                return .success(true)
            }
            switch decision {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(true):
                NIOThreadPool.singleton.submit { _ in self.flush() }
            case .success(false):
                break
            }
        }
    }

    /// Writes whatever is queued with one write and one sync, resumes those waiters, and repeats until the queue is
    /// empty. Runs on a thread-pool thread: it blocks in `fdatasync`.
    private func flush() {
        while true {
            let (batch, descriptor, segment) = self.state.withLock { state in
                let batch = state.queue
                state.queue.removeAll(keepingCapacity: true)
                if batch.isEmpty { state.flushing = false }
                return (batch, state.writeDescriptor, state.segments[state.segments.count - 1])
            }
            guard !batch.isEmpty else { return }
            let bytes = batch.reduce(0) { $0 + $1.record.count }
            do {
                try JournalFile.appendDurably(descriptor, batch.map(\.record), path: segment.path)
                self.state.withLock { state in
                    guard let index = state.segments.firstIndex(where: { $0.sequence == segment.sequence }) else { return }
                    state.segments[index].size += bytes
                    state.segments[index].entries += batch.count
                    state.totalBytes += bytes
                    state.reservedBytes -= bytes
                    if state.writeError != nil {
                        state.writeError = nil
                        self.logger.notice("the spool is writable again")
                    }
                    if state.segments[index].size >= self.configuration.segmentBytes {
                        self.rotate(&state)
                    }
                }
                for waiter in batch { waiter.continuation.resume(returning: waiter.result) }
            } catch {
                // Cut whatever part of the batch reached the file, so the journal stays readable past this point.
                try? JournalFile.truncate(descriptor, to: segment.size, path: segment.path)
                let reason = "\(error)"
                self.state.withLock { state in
                    state.writeError = reason
                    state.reservedBytes -= bytes
                    for waiter in batch where waiter.key != nil && state.keys[waiter.key!] == waiter.rawID {
                        state.keys[waiter.key!] = nil
                    }
                }
                self.logger.error("spool write failed; requests answered 503", metadata: ["error": "\(reason)"])
                for waiter in batch { waiter.continuation.resume(throwing: SpoolError.unwritable(reason)) }
            }
        }
    }

    /// Starts a new segment file, so that drained ones can be removed whole. Called with the state locked and no
    /// write in flight to the current segment (the flusher between batches, or the drainer when nothing is queued).
    func rotate(_ state: inout State) {
        let next = state.segments[state.segments.count - 1].sequence + 1
        let path = Self.path(self.configuration.directory, next)
        do {
            let descriptor = try JournalFile.openForAppend(path)
            try JournalFile.syncDirectory(self.configuration.directory)
            Glibc.close(state.writeDescriptor)
            state.writeDescriptor = descriptor
            state.segments.append(Segment(sequence: next, path: path, size: 0, entries: 0))
        } catch {
            self.logger.warning("could not start a new spool segment; appending to the current one", metadata: ["error": "\(error)"])
        }
    }
}
