import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// migrations/sqlite and migrations/postgres describe the same job: the same tables and views with
/// the same columns, and the same states, outcomes and sources accepted by their checks.
final class SchemaParityTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var postgres: PostgresTestDatabase!

    override func setUpWithError() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        postgres = database
        directory = TemporaryDirectory("schema-parity")
    }

    override func tearDown() { postgres?.drop() }

    private func stores() throws -> (sqlite: JobStore, postgres: JobStore) {
        (try JobStore(path: directory.file("job.sqlite")), try JobStore(path: postgres.url))
    }

    static let sqliteColumns = """
        SELECT m.name || '.' || p.name FROM sqlite_schema m, pragma_table_info(m.name) p
        WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'
        """
    static let postgresColumns = """
        SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()
        """
    static let sqliteViews = "SELECT name FROM sqlite_schema WHERE type = 'view'"
    static let postgresViews = "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()"

    func testBothBackendsHaveTheSameTablesViewsAndColumns() throws {
        let (sqlite, postgres) = try stores()
        let sqliteColumns = Set(try sqlite.database.rows(Self.sqliteColumns) { $0.string(0) ?? "" })
        let postgresColumns = Set(try postgres.database.rows(Self.postgresColumns) { $0.string(0) ?? "" })
        XCTAssertTrue(sqliteColumns.contains("files.lease_expires_at"), "the query reads SQLite's columns")
        XCTAssertEqual(sqliteColumns.subtracting(postgresColumns).sorted(), [], "columns only SQLite has")
        XCTAssertEqual(postgresColumns.subtracting(sqliteColumns).sorted(), [], "columns only PostgreSQL has")
        XCTAssertEqual(
            Set(try sqlite.database.rows(Self.sqliteViews) { $0.string(0) ?? "" }),
            Set(try postgres.database.rows(Self.postgresViews) { $0.string(0) ?? "" }))
    }

    /// The values a CHECK accepts, tried one by one in a transaction that is rolled back.
    private func accepted(_ candidates: [String], in store: JobStore, insert: (String) -> String) -> Set<String> {
        var accepted: Set<String> = []
        for candidate in candidates {
            struct Undo: Error {}
            do {
                try store.database.transaction {
                    try store.database.execute(insert(candidate))
                    accepted.insert(candidate)
                    throw Undo()
                }
            } catch {}
        }
        return accepted
    }

    func testBothBackendsAcceptTheSameStatesOutcomesAndSources() throws {
        let (sqlite, postgres) = try stores()
        let states = JobState.allCases.map(\.rawValue)
        let outcomes = AttemptOutcome.allCases.map(\.rawValue)
        let sources = ["mds", "resolver_dist", "resolver_index"]
        let bogus = ["bogus", "", "PENDING"]
        for store in [sqlite, postgres] {
            try store.database.execute(
                "INSERT INTO files (id, guid, import_id, created_at, updated_at) VALUES (1, 'g', 1, 0, 0)")
            XCTAssertEqual(
                accepted(states + bogus, in: store) { "UPDATE files SET state = '\($0)' WHERE id = 1" }, Set(states),
                "\(store.displayLocation): files.state")
            XCTAssertEqual(
                accepted(outcomes + bogus, in: store) {
                    "INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome) VALUES (1, 1, 'w', 0, 0, '\($0)')"
                }, Set(outcomes), "\(store.displayLocation): attempts.outcome")
            XCTAssertEqual(
                accepted(sources + bogus, in: store) {
                    "INSERT INTO resolver_cache (key, commons, source, resolved_at) VALUES ('k', 'c', '\($0)', 0)"
                }, Set(sources), "\(store.displayLocation): resolver_cache.source")
        }
    }
}
