import CSQLite
import Foundation
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

    /// A statement that changes many rows keeps its journal in memory: a claim of 256 rows (with
    /// long names, spread over many pages) and the records of their outcomes create no file in
    /// SQLite's temporary directory (the directory's modification time, set far back first, would
    /// move with any file made and removed there).
    func testClaimsAndRecordsOfManyRowsMakeNoTemporaryFile() throws {
        let directory = TemporaryDirectory("sqlite-settings")
        let temporary = directory.file("tmp")
        XCTAssertEqual(mkdir(temporary, 0o700), 0)
        let store = try JobStore(path: directory.file("job.sqlite"))
        try store.importRows(
            (1...1000).map { "dg.T/\(UUID())\t\($0)-\(String(repeating: "n", count: 200)).bin\t10" }, manifest: directory.file("m.tsv"),
            downloadPath: directory.file("data"))
        let connection = try XCTUnwrap(store.sqlite)
        try connection.execute("PRAGMA temp_store_directory = '\(temporary)'")
        defer { try? connection.execute("PRAGMA temp_store_directory = ''") }
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, temporary, &times, 0), 0)
        for _ in 0..<3 {
            let claimed = try store.claimBatch(owner: "w", limit: 256, leaseSeconds: 60)
            XCTAssertEqual(claimed.count, 256)
            try store.record(
                claimed.map { AttemptRecord(fileID: $0.id, outcome: .done(md5: "m"), startedAt: 0, finishedAt: 1, bytesOnDisk: 10) },
                owner: "w")
        }
        var info = stat()
        XCTAssertEqual(stat(temporary, &info), 0)
        XCTAssertEqual(info.st_mtim.tv_sec, 1_000_000, "a file was made in \(temporary)")
    }
}
