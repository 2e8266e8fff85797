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

    /// Starts `gen3` with `arguments`; the caller waits (or kills) it.
    public static func start(
        _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        stdout: String, stderr: String, stdin: FileHandle? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gen3Path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["GEN3_API_KEY"] = nil
        env["GEN3_DB"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        guard FileManager.default.createFile(atPath: stdout, contents: nil), FileManager.default.createFile(atPath: stderr, contents: nil)
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        process.standardOutput = FileHandle(forWritingAtPath: stdout)
        process.standardError = FileHandle(forWritingAtPath: stderr)
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a shell command line to completion (for script(1) and pipes).
    public static func runShell(_ command: String) throws -> ProcessResult {
        let scratch = TemporaryDirectory("gen3-sh")
        let out = scratch.file("stdout")
        let err = scratch.file("stderr")
        guard FileManager.default.createFile(atPath: out, contents: nil), FileManager.default.createFile(atPath: err, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", signal: nil)
    }

    /// Runs `gen3` to completion.
    @discardableResult
    public static func run(_ arguments: [String], directory: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        let scratch = TemporaryDirectory("gen3-out")
        let out = scratch.file("stdout")
        let err = scratch.file("stderr")
        let process = try start(arguments, directory: directory, environment: environment, stdout: out, stderr: err)
        process.waitUntilExit()
        let signal = process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            signal: signal)
    }
}
