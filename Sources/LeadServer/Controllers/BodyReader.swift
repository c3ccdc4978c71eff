import Hummingbird
import NIOCore
import Synchronization

/// Reads a request body the way intake needs it: at most `limit` bytes kept, and a deadline for the whole body.
///
/// What arrived is kept even when the body does not complete (the sender stalls or hangs up), so that request
/// is still recorded. The rest of an oversized body is left for the server to discard after the 413 is written,
/// so the sender still gets its answer on the same connection.
///
/// The deadline is a timer on the connection's event loop, not a sleeping task: a task per request would cost a
/// wake-up, and a cancelled sleep holds its memory until its deadline. When the timer fires it closes the
/// connection's input, which ends the body; the answer (408) still goes out on the open output side.
struct BodyReader: Sendable {
    struct Body: Sendable {
        var bytes: [UInt8]
        var truncated: Bool
        var error: String?
        var timedOut = false

        /// Why a body stopped before its end, as its raw row records it.
        enum Ending {
            /// Its deadline passed.
            case deadline(Duration)
            /// The connection or the HTTP parser ended it; the cause is said in words.
            case early(String)
        }

        /// Records that the body stopped before its end (the router's reader and intake's direct path alike).
        mutating func end(_ ending: Ending) {
            switch ending {
            case .deadline(let timeout):
                self.error = "the body did not arrive within \(timeout)"
                self.timedOut = true
            case .early(let cause):
                self.error = "the body ended early: \(cause)"
            }
        }
    }

    let limit: Int
    let timeout: Duration

    func read(_ request: Request, channel: (any Channel)?) async -> Body {
        var body = Body(bytes: [], truncated: false)
        if let expected = request.headers[.contentLength].flatMap(Int.init) {
            body.bytes.reserveCapacity(min(expected, self.limit))
        }
        let expired = Expiry()
        let timer = channel.map { channel in
            channel.eventLoop.scheduleTask(in: TimeAmount(self.timeout)) {
                expired.fire()
                channel.close(mode: .input, promise: nil)
            }
        }
        defer { timer?.cancel() }
        var failure: (any Error)?
        do {
            for try await chunk in request.body {
                let room = self.limit - body.bytes.count
                if chunk.readableBytes > room {
                    body.bytes.append(contentsOf: chunk.readableBytesView.prefix(room))
                    body.truncated = true
                    return body
                }
                body.bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch {
            failure = error
        }
        // Closing the input at the deadline ends the body either way: normally or with an error.
        if expired.hasFired {
            body.end(.deadline(self.timeout))
        } else if let failure {
            body.end(.early("\(failure)"))
        }
        return body
    }

    /// Whether the body's deadline passed; set on the event loop, read by the request's task.
    private final class Expiry: Sendable {
        private let fired = Atomic<Bool>(false)

        func fire() { self.fired.store(true, ordering: .releasing) }
        var hasFired: Bool { self.fired.load(ordering: .acquiring) }
    }
}
