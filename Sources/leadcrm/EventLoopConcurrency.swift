import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs Swift concurrency's global jobs on NIO's event loop threads, as nonisolated code of the generic executor.
///
/// A request then no longer hops between the event loops and a second pool of threads, which on a two-core machine
/// was most of leadcrm's CPU time. NIO's own take-over
/// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`) does the same but runs
/// each job as if isolated to the event loop's serial executor. Nonisolated async code asks to be on the generic
/// executor at nearly every `await` that returns (about 30 times per intake request), and from the event loop's
/// executor each of those asks became a new job queued on the same loop: about 35 jobs per request instead of one.
/// Running the jobs as the generic executor, as Swift's own global pool does, keeps those steps inline; code that is
/// really isolated to an event loop still hops to it through its executor.
///
/// Like NIO's take-over, this sets the runtime's `swift_task_enqueueGlobal_hook`, which must happen first, on the
/// main thread, before any task exists. Where that hook cannot be set it falls back to NIO's take-over.
enum EventLoopConcurrency {
    private typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// The generic executor's reference: no identity, no implementation (`SerialExecutorRef::generic()`).
    private static var generic: UnownedSerialExecutor {
        unsafeBitCast((0, 0), to: UnownedSerialExecutor.self)
    }

    static func install() {
        guard MemoryLayout<UnownedSerialExecutor>.size == MemoryLayout<(Int, Int)>.size,
            let symbol = dlsym(dlopen(nil, RTLD_NOW), "swift_task_enqueueGlobal_hook")
        else {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            return
        }
        let hook = symbol.assumingMemoryBound(to: EnqueueGlobalHook?.self)
        // Something took the global executor over already: leave it as it is.
        guard hook.pointee == nil else { return }
        hook.pointee = { job, _ in
            // `any()` keeps to the current loop when called on one, so a task stays on its connection's thread.
            MultiThreadedEventLoopGroup.singleton.any().execute {
                job.runSynchronously(on: EventLoopConcurrency.generic)
            }
        }
    }
}
