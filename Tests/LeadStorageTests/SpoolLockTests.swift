import Foundation
import Glibc
import Testing

@testable import LeadStorage

/// The spool directory's lock: a second user of the directory is refused, with a one-line message, and a lock let
/// go of within the patience (a leadcrm shutting down, a process being started that holds a copy of it until its
/// exec) is taken instead of refused.
@Suite(.timeLimit(.minutes(1)))
struct SpoolLockTests {
    @Test func aSecondSpoolOnTheSameDirectoryIsRefused() async throws {
        try await SpoolFixtures.withDirectories { directories in
            let spool = try SpoolFixtures.open(directories[0])
            defer { spool.close() }
            let started = ContinuousClock.now
            let refusal = try await Self.onOwnThread { () -> String? in
                do {
                    try SpoolFixtures.open(directories[0]).close()
                    return nil
                } catch let error as JournalFileError {
                    return error.description
                }
            }
            #expect(refusal == "\(directories[0])/lock is locked: another leadcrm process uses this spool directory")
            #expect(ContinuousClock.now - started >= .seconds(2), "refused only after waiting for the lock")
        }
    }

    @Test func aLockLetGoOfWithinThePatienceIsTaken() async throws {
        try await SpoolFixtures.withDirectories { directories in
            try FileManager.default.createDirectory(atPath: directories[0], withIntermediateDirectories: true)
            let path = "\(directories[0])/lock"
            let held = try JournalFile.lockExclusively(path)
            let started = ContinuousClock.now
            Thread {
                usleep(200_000)
                close(held)
            }.start()
            let taken = try await Self.onOwnThread { try JournalFile.lockExclusively(path, patience: .seconds(10)) }
            defer { close(taken) }
            #expect(ContinuousClock.now - started >= .milliseconds(200))
            // Held now by `taken`: another try gives up after its (short) patience.
            #expect(throws: JournalFileError.self) { try JournalFile.lockExclusively(path, patience: .milliseconds(50)) }
        }
    }

    @Test func aClosedSpoolOpensAgainAtOnce() async throws {
        try await SpoolFixtures.withDirectories { directories in
            try SpoolFixtures.open(directories[0]).close()
            let started = ContinuousClock.now
            try SpoolFixtures.open(directories[0]).close()
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }

    /// Runs `body` on a thread of its own: waiting for the lock blocks its thread, which must not be one of the few
    /// that run every test's tasks.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
