import Foundation

/// Tools from the system (python3, openssl) some tests run as real processes.
public enum Executables {
    /// The first `name` on `PATH`; a tool that is missing fails the test that needs it, saying how
    /// to get it, rather than skipping it.
    public static func path(of name: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw ExecutablesError.missing(name)
    }

    /// Runs `path` with `arguments` to completion (under a watchdog), its output kept.
    public static func run(_ path: String, _ arguments: [String]) throws -> ProcessResult {
        try Gen3Process.runCaptured(path, arguments, environment: nil, in: TemporaryDirectory("gen3-tool"))
    }
}

/// XCTest prints a thrown error with `String(describing:)`, so the description is the message.
public enum ExecutablesError: LocalizedError, CustomStringConvertible {
    case missing(String)

    public var description: String {
        switch self {
        case .missing(let name):
            return "\(name) is not on PATH, and this test needs it: install it (scripts/bootstrap.sh does: apt-get install \(name))"
        }
    }

    public var errorDescription: String? { description }
}
