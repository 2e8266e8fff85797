import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// A file's ranges go when it is done or skipped, whichever statement finishes it and however many
/// rows it updates; any other update of files (bytes, leases, another file's end) leaves them.
/// SQLite does it per row, PostgreSQL per statement (migration 9): both leave the same rows.
final class FileRangesTriggerTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var database: PostgresTestDatabase?

    override func setUp() { directory = TemporaryDirectory("ranges-trigger") }
    override func tearDown() { database?.drop() }

    private func job(_ location: String) throws -> JobStore {
        let store = try JobStore(path: location)
        try store.importRows(
            (1...4).map { "dg.T/\($0)\tf\($0).bin\t100" }, manifest: directory.file("m.tsv"), downloadPath: directory.file("data"))
        return store
    }

    /// The ranges left after each step, as "file:start" lists.
    private func exercise(_ store: JobStore) throws -> [String] {
        let database = store.database
        func ranges() throws -> String {
            try database.rows("SELECT file_id, start_offset FROM file_ranges ORDER BY 1, 2") { "\($0.int(0)):\($0.int(1))" }
                .joined(separator: " ")
        }
        for id in 1...4 {
            try database.execute("INSERT INTO file_ranges (file_id, start_offset, end_offset) VALUES (\(id), 0, 50), (\(id), 50, 100)")
        }
        var steps = [try ranges()]
        try database.execute("UPDATE files SET bytes_done = 40")
        steps.append(try ranges())
        try database.execute("UPDATE files SET state = 'claimed', lease_owner = 'w' WHERE id IN (1, 2, 3)")
        steps.append(try ranges())
        // One statement finishes two files and fails a third.
        try database.execute(
            "UPDATE files SET state = CASE id WHEN 3 THEN 'failed' ELSE 'done' END, lease_owner = NULL WHERE id IN (1, 2, 3)")
        steps.append(try ranges())
        try database.execute("UPDATE files SET state = 'skipped' WHERE id = 4")
        steps.append(try ranges())
        return steps
    }

    func testAFinishedFilesRangesGoAndOtherUpdatesKeepThem() throws {
        let expected = [
            "1:0 1:50 2:0 2:50 3:0 3:50 4:0 4:50", "1:0 1:50 2:0 2:50 3:0 3:50 4:0 4:50",
            "1:0 1:50 2:0 2:50 3:0 3:50 4:0 4:50", "3:0 3:50 4:0 4:50", "3:0 3:50",
        ]
        XCTAssertEqual(try exercise(try job(directory.file("job.sqlite"))), expected)
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        self.database = database
        XCTAssertEqual(try exercise(try job(database.url)), expected)
    }
}
