import Foundation
import LeadCore

extension Spool {
    /// Requests read from the journal for draining, oldest first, and where the drain will stand after them.
    public struct DrainBatch: Sendable {
        public let submissions: [RawSubmission]
        let segment: Int
        let endOffset: Int
    }

    /// The next requests to drain, in journal order: up to `maxEntries`, and about `maxBytes` of records (at least one).
    public func nextBatch(maxEntries: Int = 256, maxBytes: Int = 4 << 20) throws -> DrainBatch? {
        let head = self.state.withLock { state in state.segments.first { $0.drainedOffset < $0.size } }
        guard let head else { return nil }
        var submissions: [RawSubmission] = []
        var offset = head.drainedOffset
        while offset < head.size && offset - head.drainedOffset < maxBytes && submissions.count < maxEntries {
            let header = try JournalFile.read(head.path, from: offset, count: SpoolRecord.headerSize)
            guard header.count == SpoolRecord.headerSize else { break }
            let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
            let bytes = try JournalFile.read(head.path, from: offset, count: SpoolRecord.headerSize + length)
            guard case .record(let submission, let size) = SpoolRecord.read(bytes, at: 0) else {
                throw JournalFileError(description: "unreadable spool record in \(head.path) at \(offset)")
            }
            submissions.append(submission)
            offset += size
        }
        return DrainBatch(submissions: submissions, segment: head.sequence, endOffset: offset)
    }

    /// Records that a batch is in PostgreSQL: its keys leave the index (PostgreSQL answers for them now) and fully
    /// drained segments are deleted.
    public func markDrained(_ batch: DrainBatch) throws {
        let finished = self.state.withLock { state -> [String] in
            guard let index = state.segments.firstIndex(where: { $0.sequence == batch.segment }) else { return [] }
            state.totalBytes -= batch.endOffset - state.segments[index].drainedOffset
            state.refusedForSpace = false
            state.segments[index].drainedOffset = batch.endOffset
            state.segments[index].drainedEntries += batch.submissions.count
            for submission in batch.submissions {
                if let key = submission.headers.idempotencyKey, state.keys[key] == submission.idText {
                    state.keys[key] = nil
                }
            }
            let last = state.segments.count - 1
            if state.segments[last].drainedOffset == state.segments[last].size, state.segments[last].size > 0,
                !state.flushing, state.queue.isEmpty
            {
                self.rotate(&state)
            }
            let done = state.segments.dropLast().filter { $0.drainedOffset == $0.size }
            state.segments.removeAll { segment in done.contains { $0.sequence == segment.sequence } }
            return done.map(\.path)
        }
        for path in finished {
            try FileManager.default.removeItem(atPath: path)
        }
        if !finished.isEmpty {
            try JournalFile.syncDirectory(self.configuration.directory)
        }
    }
}
