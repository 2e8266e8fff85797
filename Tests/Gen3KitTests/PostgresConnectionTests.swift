import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// The libpq layer against a real server: the throwaway cluster scripts/test.sh starts, a fresh
/// database per test.
final class PostgresConnectionTests: XCTestCase {
    private var database: PostgresTestDatabase!
    private var connection: PostgresConnection!

    override func setUpWithError() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        self.database = database
        connection = try database.connect()
    }

    override func tearDown() {
        connection = nil
        database?.drop()
        database = nil
    }

    // MARK: - Values

    func testEveryKindOfValueRoundTripsThroughTypedColumns() throws {
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY, i bigint, r double precision, s text, b boolean, n numeric)")
        let doubles: [Double] = [
            1_700_000_000.123_456, 1_712_345_678.000_001, 0.1, -0.0, 1e20, 1e-7, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            .infinity, -.infinity,
        ]
        let integers: [Int64] = [.max, .min, 0, -1, 1 << 53 + 1]
        let texts = ["plain", "", "héllo wörld 🚀 日本", "tab\there\nnewline\r\nback\\slash", "\\N", "'quoted' \"double\"", "NULL"]
        var expected: [[SQLValue]] = []
        for index in 0..<max(doubles.count, integers.count, texts.count) {
            expected.append([
                .integer(Int64(index)), .integer(integers[index % integers.count]), .real(doubles[index % doubles.count]),
                .text(texts[index % texts.count]),
            ])
        }
        expected.append([.integer(100), .null, .null, .null])
        for row in expected {
            XCTAssertEqual(try connection.run("INSERT INTO t (id, i, r, s) VALUES ($1, $2, $3, $4)", row), 1)
        }
        let read = try connection.rows("SELECT id, i, r, s FROM t ORDER BY id") { row in (0..<4).map { row.value($0) } }
        XCTAssertEqual(read, expected)
        // The same through the typed accessors.
        try connection.forEachRow("SELECT i, r, s FROM t WHERE id = $1", [.integer(100)]) { row in
            XCTAssertEqual(row.columnCount, 3)
            XCTAssertEqual((0..<3).map { row.name($0) }, ["i", "r", "s"])
            XCTAssertTrue((0..<3).allSatisfy { row.isNull($0) })
            XCTAssertNil(row.string(2))
        }
        let first = try connection.first("SELECT i, r, s FROM t WHERE id = $1", 0) { row in (row.int64(0), row.double(1), row.string(2)) }
        XCTAssertEqual(first?.0, .max)
        XCTAssertEqual(first?.1, 1_700_000_000.123_456)
        XCTAssertEqual(first?.2, "plain")

        try connection.run("INSERT INTO t (id, r) VALUES ($1, $2)", .integer(200), .real(.nan))
        XCTAssertEqual(try connection.first("SELECT r FROM t WHERE id = 200") { $0.double(0).isNaN }, true)
    }

    /// A database or role that rounds float8 output (`extra_float_digits = 0`) still gives back
    /// every double exactly: each session sets its own.
    func testDoublesReadBackExactlyWhereTheDatabaseRoundsThem() throws {
        try connection.execute("ALTER DATABASE \"\(database.name)\" SET extra_float_digits = 0")
        let session = try database.connect()
        XCTAssertEqual(try session.first("SHOW extra_float_digits") { $0.string(0) }, "3")
        for value in [0.1 + 0.2, 1_700_000_000.123_456_7, 1.0 / 3.0] {
            XCTAssertEqual(try session.first("SELECT $1::double precision", .real(value)) { $0.double(0) }, value)
        }
    }

    func testBooleansAndNumericsReadAsNumbers() throws {
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY, b boolean, n numeric)")
        try connection.run("INSERT INTO t VALUES ($1, $2, $3)", 1, .integer(1), .real(2.5))
        try connection.run("INSERT INTO t VALUES ($1, $2, $3)", 2, .integer(0), .text("12345678901234"))
        let rows = try connection.rows("SELECT b, n, b AND true, sum(n) OVER (), count(*) OVER () FROM t ORDER BY id") { row in
            [row.value(0), row.value(1), row.value(2), row.value(3), row.value(4), .integer(row.int64(0)), .real(row.double(0))]
        }
        XCTAssertEqual(rows[0], [.integer(1), .real(2.5), .integer(1), .real(12_345_678_901_236.5), .integer(2), .integer(1), .real(1)])
        XCTAssertEqual(
            rows[1], [.integer(0), .real(12_345_678_901_234), .integer(0), .real(12_345_678_901_236.5), .integer(2), .integer(0), .real(0)])
    }

    func testAParameterTheSQLLeavesUntypedIsText() throws {
        XCTAssertEqual(try connection.first("SELECT $1", .integer(7)) { $0.value(0) }, .text("7"))
        XCTAssertEqual(try connection.first("SELECT $1::bigint", .integer(7)) { $0.value(0) }, .integer(7))
        XCTAssertThrowsError(try connection.run("SELECT $1 IS NULL", .null)) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42P18") // indeterminate_datatype
        }
    }

    func testTextWithANulCharacterIsRefusedRatherThanCut() throws {
        try connection.execute("CREATE TABLE t (s text)")
        XCTAssertThrowsError(try connection.run("INSERT INTO t VALUES ($1)", .text("before\0after"))) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22021")
        }
        XCTAssertEqual(try connection.first("SELECT count(*) FROM t") { $0.int64(0) }, 0)
    }

    func testRunCountsTheRowsAStatementChanged() throws {
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY, state text); CREATE INDEX t_state ON t (state)")
        for id in 1...5 { XCTAssertEqual(try connection.run("INSERT INTO t VALUES ($1, $2)", .integer(Int64(id)), "queued"), 1) }
        XCTAssertEqual(try connection.run("UPDATE t SET state = $1 WHERE id <= $2", "done", 3), 3)
        XCTAssertEqual(try connection.run("DELETE FROM t WHERE state = $1", "failed"), 0)
        XCTAssertEqual(try connection.run("INSERT INTO t VALUES ($1, $2) ON CONFLICT DO NOTHING", 1, "queued"), 0)
        XCTAssertEqual(try connection.run("DELETE FROM t WHERE state = $1", "done"), 3)
        XCTAssertEqual(try connection.first("SELECT count(*) FROM t") { $0.int64(0) }, 2)
    }

    // MARK: - Transactions and errors

    func testATransactionCommitsOrRollsBackWhole() throws {
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        struct Stop: Error {}
        XCTAssertThrowsError(
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES ($1)", 1)
                throw Stop()
            }
        ) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try connection.first("SELECT count(*) FROM t") { $0.int64(0) }, 0)

        let committed = try connection.transaction(.repeatableRead) {
            try connection.run("INSERT INTO t VALUES ($1)", 2) + connection.run("INSERT INTO t VALUES ($1)", 3)
        }
        XCTAssertEqual(committed, 2)
        XCTAssertEqual(try connection.rows("SELECT id FROM t ORDER BY id") { $0.int64(0) }, [2, 3])
    }

    func testACommitAfterACaughtFailureThrowsInsteadOfRollingBackQuietly() throws {
        try connection.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        try connection.run("INSERT INTO t VALUES ($1)", 1)
        XCTAssertThrowsError(
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES ($1)", 2)
                _ = try? connection.run("INSERT INTO t VALUES ($1)", 1)
            }
        ) { XCTAssertEqual(($0 as? PostgresError)?.sqlState, "25P02") }
        XCTAssertEqual(try connection.rows("SELECT id FROM t") { $0.int64(0) }, [1])
    }

    func testAUniqueViolationSaysSoWithoutTheValues() throws {
        try connection.execute("CREATE TABLE t (guid text PRIMARY KEY)")
        try connection.run("INSERT INTO t VALUES ($1)", "dg.4503/secret-guid")
        XCTAssertThrowsError(try connection.run("INSERT INTO t VALUES ($1)", "dg.4503/secret-guid")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.isUniqueViolation)
            XCTAssertFalse(error.isConnectionLost || error.isSerializationFailure || error.isDeadlock)
            XCTAssertEqual(error.sql, "INSERT INTO t VALUES ($1)")
            XCTAssertTrue(error.message.contains("duplicate key"), error.message)
            XCTAssertFalse(error.localizedDescription.contains("secret-guid"), error.localizedDescription)
        }
        XCTAssertThrowsError(try connection.run("SELEKT 1")) { XCTAssertEqual(($0 as? PostgresError)?.sqlState, "42601") }
        XCTAssertEqual(try connection.first("SELECT count(*) FROM t") { $0.int64(0) }, 1)
    }

    // MARK: - COPY

    func testCopyInStoresHostileTextExactly() throws {
        try connection.execute("CREATE TABLE files (id bigint PRIMARY KEY, name text, size bigint, seen double precision)")
        let hostile = [
            "a\tb", "line\nbreak", "cr\rlf\r\n", "back\\slash\\", "\\N", "\\.", "\\", "ünï 🚀", "", "NULL",
            String(repeating: "x\t\\", count: 40),
        ]
        var generator = SeededGenerator(state: 23)
        let rows: [[SQLValue]] = (0..<6000).map { id in
            let name: SQLValue =
                id % 13 == 0
                ? .null : .text(hostile[id % hostile.count] + "/\(id)/" + hostile[Int.random(in: 0..<hostile.count, using: &generator)])
            let size: SQLValue = id % 7 == 0 ? .null : .integer(Int64.random(in: .min ... .max, using: &generator))
            return [.integer(Int64(id)), name, size, .real(1_700_000_000 + Double(id) / 1024 + 0.1)]
        }
        let copied = try connection.copyIn("COPY files (id, name, size, seen) FROM STDIN") { writer in
            for row in rows { try writer.append(row) }
            XCTAssertEqual(writer.rowCount, rows.count)
        }
        XCTAssertEqual(copied, rows.count)
        let read = try connection.rows("SELECT id, name, size, seen FROM files ORDER BY id") { row in (0..<4).map { row.value($0) } }
        XCTAssertEqual(read.count, rows.count)
        for (got, want) in zip(read, rows) where got != want { XCTFail("\(got) != \(want)") }
        var encoded: [UInt8] = []
        for row in rows { for value in row { PostgresCopyWriter.encode(value, into: &encoded) } }
        XCTAssertGreaterThan(encoded.count, 2 * PostgresCopyWriter.chunkSize, "the rows should span several chunks")
    }

    func testACopyWithADuplicateStoresNothing() throws {
        try connection.execute("CREATE TABLE files (id bigint, guid text); CREATE UNIQUE INDEX files_guid ON files (guid)")
        XCTAssertThrowsError(
            try connection.copyIn("COPY files (id, guid) FROM STDIN") { writer in
                for id in 0..<3000 { try writer.append(.integer(Int64(id)), .text("guid-\(id % 2500)")) }
            }
        ) { error in
            XCTAssertTrue((error as? PostgresError)?.isUniqueViolation == true, "\(error)")
        }
        XCTAssertEqual(try connection.first("SELECT count(*) FROM files") { $0.int64(0) }, 0)

        struct Stop: Error {}
        XCTAssertThrowsError(
            try connection.copyIn("COPY files (id, guid) FROM STDIN") { writer in
                try writer.append(1, "one")
                throw Stop()
            }
        ) { XCTAssertTrue($0 is Stop, "\($0)") }
        XCTAssertEqual(try connection.first("SELECT count(*) FROM files") { $0.int64(0) }, 0)
        XCTAssertEqual(try connection.copyIn("COPY files (id, guid) FROM STDIN") { try $0.append(1, "one") }, 1)
    }

    /// Preparing is a round trip of its own: a text that runs once goes unprepared, and one that
    /// comes again is prepared then, once.
    func testAStatementIsPreparedWhenItRunsASecondTime() throws {
        let sql = "SELECT $1::bigint * 2"
        func prepared() throws -> Int {
            try connection.rows("SELECT statement FROM pg_prepared_statements") { $0.string(0) ?? "" }.filter { $0 == sql }.count
        }
        XCTAssertEqual(try connection.first(sql, 21) { $0.int64(0) }, 42)
        XCTAssertEqual(try prepared(), 0)
        XCTAssertEqual(try connection.first(sql, 4) { $0.int64(0) }, 8)
        XCTAssertEqual(try connection.first(sql, 5) { $0.int64(0) }, 10)
        XCTAssertEqual(try prepared(), 1)
    }

    // MARK: - Lost connections

    func testAnEndedSessionIsReportedAndReconnectPreparesAgain() throws {
        let sql = "SELECT $1::bigint + 1"
        XCTAssertEqual(try connection.first(sql, 41) { $0.int64(0) }, 42)
        let first = try XCTUnwrap(connection.first("SELECT pg_backend_pid()") { $0.int64(0) })
        try terminate(first)

        XCTAssertThrowsError(try connection.first(sql, 41) { $0.int64(0) }) { error in
            XCTAssertTrue((error as? PostgresError)?.isConnectionLost == true, "\(error)")
        }
        XCTAssertFalse(connection.isConnected)
        try connection.reconnect()
        XCTAssertTrue(connection.isConnected)
        XCTAssertEqual(try connection.first(sql, 41) { $0.int64(0) }, 42)
        let second = try XCTUnwrap(connection.first("SELECT pg_backend_pid()") { $0.int64(0) })
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try connection.first("SELECT current_setting('application_name')") { $0.string(0) }, "gen3")

        try terminate(second)
        var runs = 0
        let answer = try connection.withReconnect(attempts: 2, backoff: .zero) {
            runs += 1
            return try connection.first(sql, 1) { $0.int64(0) }
        }
        XCTAssertEqual(answer, 2)
        XCTAssertEqual(runs, 2)
    }

    /// Ends the session `pid` from another connection, and returns once it is gone.
    private func terminate(_ pid: Int64) throws {
        let other = try database.connect()
        let ended = try other.first("SELECT pg_terminate_backend($1::int, 30000)", .integer(pid)) { $0.int64(0) }
        XCTAssertEqual(ended, 1)
    }

    func testAWrongPasswordFailsWithoutShowingAnyPassword() throws {
        let right = try XCTUnwrap(PostgresConnection.password(in: database.url))
        let wrongPassword = "not-the-password-\(UUID().uuidString)"
        let wrong = database.url.replacingOccurrences(of: ":" + right + "@", with: ":" + wrongPassword + "@")
        XCTAssertNotEqual(wrong, database.url)
        XCTAssertThrowsError(try PostgresConnection(url: wrong)) { error in
            let texts = [error.localizedDescription, "\(error)", String(reflecting: error)]
            for text in texts {
                XCTAssertFalse(text.contains(wrongPassword), text)
                XCTAssertFalse(text.contains(right), text)
            }
            XCTAssertTrue(error.localizedDescription.contains("password authentication failed"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains(":***@127.0.0.1"), error.localizedDescription)
        }
        XCTAssertFalse(connection.redactedURL.contains(right))
    }
}
