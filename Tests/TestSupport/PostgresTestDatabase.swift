import Foundation
import Gen3Kit

/// A fresh database on the throwaway cluster `scripts/test.sh` starts (`scripts/postgres.sh`),
/// whose URL it exports as GEN3_TEST_POSTGRES; dropped when released, whoever is still connected.
///
///     guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
public final class PostgresTestDatabase {
    /// The cluster's URL (a role that may create databases), or nil when the tests run without one.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["GEN3_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Why a test that needs PostgreSQL did not run.
    public static let skipReason =
        "GEN3_TEST_POSTGRES is not set: scripts/test.sh sets it to a throwaway cluster (bash scripts/postgres.sh start DIR prints one)"

    /// The database's name, `gen3_test_` and random hex.
    public let name: String
    /// Its URL: the server's, with this database.
    public let url: String
    private let serverURL: String
    private var dropped = false

    /// A new database on the test cluster, or nil when there is none (GEN3_TEST_POSTGRES unset).
    public static func make() throws -> PostgresTestDatabase? {
        try serverURL.map { try PostgresTestDatabase(serverURL: $0) }
    }

    public init(serverURL: String) throws {
        self.serverURL = serverURL
        name = "gen3_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        url = Self.url(serverURL, database: name)
        try PostgresConnection(url: serverURL).execute("CREATE DATABASE \(name)")
    }

    deinit { drop() }

    /// A connection to the database.
    package func connect() throws -> PostgresConnection { try PostgresConnection(url: url) }

    /// Drops the database, ending the sessions still connected to it.
    public func drop() {
        guard !dropped else { return }
        dropped = true
        try? PostgresConnection(url: serverURL).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// `server` (a URI or a keyword string) with `database` in place of its own.
    public static func url(_ server: String, database: String) -> String {
        guard let scheme = server.range(of: "://") else { return server + " dbname=\(database)" }
        let query = server[scheme.upperBound...].firstIndex(of: "?") ?? server.endIndex
        let userEnd = server[scheme.upperBound..<query].lastIndex(of: "@").map { server.index(after: $0) } ?? scheme.upperBound
        let path = server[userEnd..<query].firstIndex(of: "/") ?? query
        return server[..<path] + "/" + database + server[query...]
    }
}
