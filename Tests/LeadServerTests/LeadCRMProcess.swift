import Foundation
import HummingbirdTesting
import NIOCore
import NIOPosix

/// A `leadcrm` process started the way an operator starts it, for tests of what only a real process shows: exit
/// statuses, signals, start-up errors.
final class LeadCRMProcess {
    /// `LEADCRM_BINARY`, or this package's debug build; `nil` when that file does not exist (not built yet).
    static let binary: URL? = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = ProcessInfo.processInfo.environment["LEADCRM_BINARY"] ?? packageRoot.appendingPathComponent(".build/debug/leadcrm").path
        return FileManager.default.fileExists(atPath: path) ? URL(fileURLWithPath: path) : nil
    }()

    let process: Process
    /// Where the process writes its standard error; a file rather than a pipe, so a chatty process never blocks.
    let standardErrorPath: String
    let directory: URL

    /// Starts `leadcrm <arguments>` in an empty working directory with only `environment` set, so neither the
    /// repository's `.env` nor the test's environment leaks in.
    init(_ arguments: [String], environment: [String: String]) throws {
        guard let binary = Self.binary else { throw ProcessTestError.binaryMissing }
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("leadcrm-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        self.standardErrorPath = self.directory.appendingPathComponent("stderr.log").path
        _ = FileManager.default.createFile(atPath: self.standardErrorPath, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = self.directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: self.standardErrorPath))
        defer { try? standardError.close() }
        process.standardError = standardError
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: self.directory)
            throw error
        }
        self.process = process
    }

    /// Arguments that make a command read no `.env` file.
    static let withoutEnvironmentFile = ["--env-file", "/nonexistent/leadcrm.env"]

    /// `leadcrm serve` on `port` of 127.0.0.1.
    static func serve(port: Int, databaseURL: String) throws -> LeadCRMProcess {
        try LeadCRMProcess(
            ["serve"] + Self.withoutEnvironmentFile,
            environment: ["PORT": "\(port)", "HOST": "127.0.0.1", "DATABASE_URL": databaseURL, "LOG_LEVEL": "info"]
        )
    }

    var standardError: String {
        (try? String(contentsOfFile: self.standardErrorPath, encoding: .utf8)) ?? ""
    }

    /// Sends SIGTERM, the signal service managers stop a service with.
    func terminate() {
        self.process.terminate()
    }

    /// The exit status once the process has exited by itself within `timeout`; `nil` if it is still running or was
    /// killed by a signal.
    func exitStatus(within timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationReason == .exit ? self.process.terminationStatus : nil
    }

    /// Whether the process keeps running for `duration`.
    func keepsRunning(for duration: Duration) async throws -> Bool {
        try await self.exitStatus(within: duration) == nil && self.process.isRunning
    }

    /// Polls `GET /health` until it answers 200.
    func waitUntilHealthy(port: Int, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard self.process.isRunning else { throw ProcessTestError.exited(self.standardError) }
            let response = try? await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(5))) {
                try await $0.get("/health")
            }
            if response?.status == .ok { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessTestError.notHealthy(self.standardError)
    }

    /// Kills a process a failed test left running and removes its files; for `defer`.
    func stop() {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// A port nothing listens on right now, found by letting the kernel pick one.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        try await channel.close()
        guard let port else { throw ProcessTestError.noFreePort }
        return port
    }
}

enum ProcessTestError: Error, CustomStringConvertible {
    case binaryMissing
    case noFreePort
    case exited(String)
    case notHealthy(String)

    var description: String {
        switch self {
        case .binaryMissing: "the leadcrm binary is not built"
        case .noFreePort: "no free port"
        case .exited(let log): "leadcrm exited before it was healthy; stderr:\n\(log)"
        case .notHealthy(let log): "leadcrm was not healthy in time; stderr:\n\(log)"
        }
    }
}
