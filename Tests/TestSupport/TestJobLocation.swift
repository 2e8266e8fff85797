import Foundation

/// Where a test's job lives: a SQLite file in the test's directory, or — when the suite runs with
/// GEN3_TEST_BACKEND=postgres (scripts/test.sh's second pass) — a fresh database on the test
/// cluster, dropped with this object. The same end-to-end tests run against both backends.
public final class TestJobLocation {
    /// What `--db` is given.
    public let location: String
    private let postgres: PostgresTestDatabase?

    /// Whether this run of the suite puts its jobs in PostgreSQL.
    public static var usesPostgres: Bool { ProcessInfo.processInfo.environment["GEN3_TEST_BACKEND"] == "postgres" }

    /// `sqlitePath` for SQLite; a new database for PostgreSQL (in this pass, or when `postgres`).
    public init(sqlitePath: String, postgres: Bool = false) throws {
        guard postgres || Self.usesPostgres else {
            location = sqlitePath
            self.postgres = nil
            return
        }
        guard let server = PostgresTestDatabase.serverURL else {
            throw TestJobLocationError.noServer(PostgresTestDatabase.skipReason)
        }
        let database = try PostgresTestDatabase(serverURL: server)
        location = database.url
        self.postgres = database
    }

    /// Drops the PostgreSQL database (it is dropped at deinit too).
    public func drop() { postgres?.drop() }
}

/// GEN3_TEST_BACKEND=postgres without a server to use.
public enum TestJobLocationError: Error, CustomStringConvertible {
    case noServer(String)

    public var description: String {
        switch self {
        case .noServer(let reason): return "GEN3_TEST_BACKEND=postgres, but \(reason)"
        }
    }
}
