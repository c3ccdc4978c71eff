/// One versioned change to the schema, written for both backends so they never drift apart.
///
/// Applied migrations are recorded in `leadcrm_migrations`; each runs once, in version order, inside the same
/// transaction as its record, so a failed migration leaves nothing half-done.
struct Migration: Sendable {
    let version: Int
    let name: String
    let postgres: [String]
    let sqlite: [String]

    /// Every migration, oldest first. Append only: a released migration is never edited.
    static let all: [Migration] = [
        .oldServiceSchema, .rawJournal, .longValues, .intakeProcedure, .crm, .intakeDuplicatesOnce,
        .searchIndexPendingList, .unreadIndexes, .intakeHoldersPlanned, .keyDigestPlpgsql, .plannerStatistics,
    ]
}
