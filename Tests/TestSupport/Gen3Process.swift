import Foundation

/// What one run of a binary printed and how it ended.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Set when the process ended by a signal.
    public let signal: Int32?
}

/// Runs the built `gen3` binary (next to the test bundle) as a real process.
public enum Gen3Process {
    /// The directory SwiftPM built the products into.
    public static var productsDirectory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (executable as NSString).deletingLastPathComponent
        // Test bundles may sit inside an .xctest directory.
        while directory.hasSuffix(".xctest") || directory.contains(".xctest/") {
            directory = (directory as NSString).deletingLastPathComponent
        }
        return directory
    }

    public static var gen3Path: String { productsDirectory + "/gen3" }

    /// Variables of the tests' own environment a spawned binary still gets: the search path, and the
    /// sanitizers' and coverage's settings (a sanitized or instrumented build reads them).
    private static let inherited = ["PATH", "TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "LLVM_PROFILE_FILE"]

    /// The whole environment of a spawned binary: PATH, a `HOME` of its own (an empty directory at
    /// `home`, so no `~/.gen3` of the machine's user is found), and `extra`; nothing else of the
    /// tests' environment (no proxy variables, no `GEN3_*`), so the machine cannot change what a
    /// test sees.
    public static func environment(home: String, _ extra: [String: String] = [:]) -> [String: String] {
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        var environment: [String: String] = ["HOME": home]
        let own = ProcessInfo.processInfo.environment
        for name in inherited { environment[name] = own[name] }
        environment["PATH"] = environment["PATH"] ?? "/usr/bin:/bin"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Starts `gen3` with `arguments` and the environment `environment(home:_:)` gives, its `HOME`
    /// a directory next to `stdout`; the caller waits for it (`waitForExit()`) or kills it, alone or
    /// with every worker it started (`killGroup`).
    public static func start(
        _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        stdout: String, stderr: String, stdin: FileHandle? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gen3Path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = Self.environment(home: (stdout as NSString).deletingLastPathComponent + "/home", environment)
        guard FileManager.default.createFile(atPath: stdout, contents: nil), FileManager.default.createFile(atPath: stderr, contents: nil)
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        process.standardOutput = FileHandle(forWritingAtPath: stdout)
        process.standardError = FileHandle(forWritingAtPath: stderr)
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        startedLock.withLock { started.append(process) }
        return process
    }

    /// SIGKILLs, all at once, the process group `process` leads: `gen3 run` and the worker processes
    /// it started (they stay in its group), as `kill -9 -PGID` would. Foundation starts each child
    /// as the leader of a group of its own; that is checked first, so the kill can never reach the
    /// tests' own group.
    public static func killGroup(_ process: Process) throws {
        let pid = process.processIdentifier
        guard getpgid(pid) == pid else { throw NotAGroupLeader(pid: pid, group: getpgid(pid)) }
        kill(-pid, SIGKILL)
    }

    /// A started process is not the leader of its own process group (or is gone).
    public struct NotAGroupLeader: Error, CustomStringConvertible {
        public let pid: Int32
        public let group: Int32
        public var description: String { "process \(pid) does not lead a process group of its own (its group: \(group))" }
    }

    private static let startedLock = NSLock()
    // Guarded by `startedLock`: every process `start` made, until `stopStragglers` looks at them.
    nonisolated(unsafe) private static var started: [Process] = []

    /// Kills (with everything they started) the processes `start` made that are still running: a
    /// test that failed or threw before it waited for one leaves nothing behind. `JobFixture`
    /// calls it when it goes away.
    public static func stopStragglers() {
        let processes = startedLock.withLock {
            defer { started.removeAll() }
            return started
        }
        for process in processes where process.isRunning {
            ProcessWatchdog.killTree(process.processIdentifier)
            try? process.waitForExit(timeout: 0)
        }
    }

    /// Runs a shell command line to completion (for ulimit, script(1) and pipes), with the same
    /// environment and watchdog as `gen3` itself.
    public static func runShell(_ command: String) throws -> ProcessResult {
        let scratch = TemporaryDirectory("gen3-sh")
        return try runCaptured("/bin/sh", ["-c", command], environment: environment(home: scratch.file("home")), in: scratch)
    }

    /// Runs `executable` to completion under the watchdog, with its output kept in `scratch`;
    /// `environment` nil inherits the tests' own.
    static func runCaptured(_ executable: String, _ arguments: [String], environment: [String: String]?, in scratch: TemporaryDirectory)
        throws -> ProcessResult
    {
        let out = scratch.file("stdout")
        let err = scratch.file("stderr")
        guard FileManager.default.createFile(atPath: out, contents: nil), FileManager.default.createFile(atPath: err, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try process.waitForExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", signal: nil)
    }

    /// Runs `gen3` to completion; past the watchdog's deadline it is killed and this throws.
    @discardableResult
    public static func run(_ arguments: [String], directory: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        let scratch = TemporaryDirectory("gen3-out")
        let out = scratch.file("stdout")
        let err = scratch.file("stderr")
        let process = try start(arguments, directory: directory, environment: environment, stdout: out, stderr: err)
        try process.waitForExit()
        let signal = process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            signal: signal)
    }
}
