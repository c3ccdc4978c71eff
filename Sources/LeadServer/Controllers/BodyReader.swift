import Hummingbird
import Synchronization

/// Reads a request body the way intake needs it: at most `limit` bytes kept, and a deadline for the whole body.
///
/// What arrived is kept even when the body does not complete (the sender stalls or hangs up), so that request
/// is still recorded. The rest of an oversized body is left for the server to discard after the 413 is written,
/// so the sender still gets its answer on the same connection.
struct BodyReader: Sendable {
    struct Body: Sendable {
        var bytes: [UInt8]
        var truncated: Bool
        var error: String?
        var timedOut = false
    }

    let limit: Int
    let timeout: Duration

    func read(_ request: Request) async -> Body {
        let collected = Collected()
        let limit = self.limit
        let expected = request.headers[.contentLength].flatMap(Int.init)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    if let expected { collected.body.withLock { $0.bytes.reserveCapacity(min(expected, limit)) } }
                    for try await chunk in request.body {
                        let full = collected.body.withLock { body -> Bool in
                            let room = limit - body.bytes.count
                            if chunk.readableBytes > room {
                                body.bytes.append(contentsOf: chunk.readableBytesView.prefix(room))
                                body.truncated = true
                                return true
                            }
                            body.bytes.append(contentsOf: chunk.readableBytesView)
                            return false
                        }
                        if full { return }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    throw BodyTimeout()
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch is BodyTimeout {
            collected.body.withLock {
                $0.error = "the body did not arrive within \(self.timeout)"
                $0.timedOut = true
            }
        } catch {
            collected.body.withLock { $0.error = "the body ended early: \(error)" }
        }
        return collected.body.withLock { $0 }
    }

    private struct BodyTimeout: Error {}

    /// Shared between the reading task and the caller, which keeps what arrived when the reading is cut short.
    private final class Collected: Sendable {
        let body = Mutex(Body(bytes: [], truncated: false))
    }
}
