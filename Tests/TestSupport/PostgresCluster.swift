import Foundation

/// A PostgreSQL cluster of one test's own (`scripts/postgres.sh`), for what the shared test cluster
/// must not see: a restart. Stopped and removed with this object.
public final class PostgresCluster {
    /// The URL of its superuser role.
    public let url: String
    private let directory: String

    public init() throws {
        // Under /tmp: the server's user must reach it, and its socket path must be short.
        directory = "/tmp/gen3-pg-" + UUID().uuidString.prefix(8).lowercased()
        // Durable: a restart of a server that does not sync may lose what was just committed.
        let started = Self.script(["start", directory, "--durable"])
        guard started.status == 0, let url = started.stdout.split(separator: "\n").last.map(String.init) else {
            throw PostgresClusterError.failed("start", started.stderr)
        }
        self.url = url
    }

    deinit { _ = Self.script(["stop", directory]) }

    /// Stops the server (fast: sessions are cut) and starts it again on the same port.
    public func restart() throws {
        let restarted = Self.script(["restart", directory])
        guard restarted.status == 0 else { throw PostgresClusterError.failed("restart", restarted.stderr) }
    }

    private static func script(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        RepositoryScript.run("postgres.sh", arguments)
    }
}

public enum PostgresClusterError: Error, CustomStringConvertible {
    case failed(String, String)

    public var description: String {
        switch self {
        case .failed(let what, let stderr): return "scripts/postgres.sh \(what) failed: \(stderr)"
        }
    }
}
