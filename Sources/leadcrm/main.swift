import ArgumentParser
import NIOCore
import NIOPosix

// Swift concurrency runs on the event loop threads themselves: a request no longer hops between the event loops
// and a second pool of threads, which on a two-core machine was most of leadcrm's CPU time. It must happen first,
// on the main thread, before any task exists.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// What `AsyncParsableCommand.main()` does; called from a function so that `run()` resolves to the async one.
func runCommand() async {
    do {
        var command = try await LeadCRMCommand.asyncParseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        LeadCRMCommand.exit(withError: error)
    }
}

await runCommand()
