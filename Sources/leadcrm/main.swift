import ArgumentParser

// Swift concurrency runs on the event loop threads themselves (see `EventLoopConcurrency`). It must happen first, on
// the main thread, before any task exists.
EventLoopConcurrency.install()

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
