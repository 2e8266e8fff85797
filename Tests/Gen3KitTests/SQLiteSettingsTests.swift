import CSQLite
import TestSupport
import XCTest

@testable import Gen3Kit

/// SQLite's process-wide settings, made before the first connection opens.
final class SQLiteSettingsTests: XCTestCase {
    /// Memory statistics take a global mutex on every allocation of every connection: off, SQLite
    /// reports no memory in use however much its connections hold.
    func testSQLiteKeepsNoMemoryStatistics() throws {
        let directory = TemporaryDirectory("sqlite-settings")
        let connection = try Connection(path: directory.file("job.sqlite"))
        try connection.execute("CREATE TABLE t (x TEXT); INSERT INTO t VALUES (zeroblob(100000))")
        var current: sqlite3_int64 = -1
        var highest: sqlite3_int64 = -1
        XCTAssertEqual(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0), SQLITE_OK)
        XCTAssertEqual(current, 0)
        XCTAssertEqual(highest, 0)
    }
}
