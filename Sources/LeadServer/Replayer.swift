import Foundation
import LeadCore
import Logging

/// Works through raw requests and re-normalizes each, one transaction per request, reporting progress.
///
/// Requests are read in pages by (received time, id), so millions of rows take constant memory and a replay that is
/// stopped half-way can simply be run again: rows already done are either no longer selected (`failed` became
/// `stored`) or unchanged.
public struct Replayer: Sendable {
    public struct Summary: Sendable, Equatable {
        public var examined = 0
        public var changed = 0
        public var leadsUpdated = 0
        /// Outcomes after the replay, for the rows examined.
        public var outcomes: [IntakeOutcome: Int] = [:]

        public init() {}
    }

    let store: any LeadStore
    let pageSize: Int

    public init(store: any LeadStore, pageSize: Int = 500) {
        self.store = store
        self.pageSize = pageSize
    }

    public func run(
        _ selection: ReplaySelection,
        dryRun: Bool,
        progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let total = try await self.store.countSubmissions(matching: selection)
        var summary = Summary()
        var cursor: ReplayCursor?
        while true {
            let page = try await self.store.submissions(matching: selection, after: cursor, limit: self.pageSize)
            guard let last = page.last else { break }
            for submission in page {
                let result = try await self.store.replay(submission, dryRun: dryRun)
                summary.examined += 1
                if result.changed { summary.changed += 1 }
                if result.leadUpdated { summary.leadsUpdated += 1 }
                summary.outcomes[result.after, default: 0] += 1
            }
            cursor = ReplayCursor(receivedAt: last.receivedAt, id: last.id)
            progress(summary.examined, max(total, summary.examined))
        }
        return summary
    }
}
