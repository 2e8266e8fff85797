import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// In-flight files' bytes go to PostgreSQL in one statement (`updateBytesBatch`), to SQLite row by
/// row; both touch only claimed rows and leave the same rows and counts.
final class BytesDoneBatchTests: XCTestCase {
    func testOneStatementLeavesTheRowsThatRowByRowLeaves() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        defer { database.drop() }
        let directory = TemporaryDirectory("bytes-batch")
        func exercise(_ location: String) throws -> [String] {
            let store = try JobStore(path: location)
            try store.importRows(
                (1...8).map { "dg.T/\($0)\tf\($0).bin\t1000" }, manifest: directory.file("m.tsv"), downloadPath: directory.file("data"))
            let now = Clock.now()
            let ids = try store.claimBatch(owner: "w", limit: 6, leaseSeconds: 60, now: now).map(\.id).sorted()
            XCTAssertEqual(ids.count, 6)
            try store.record(
                [AttemptRecord(fileID: ids[0], outcome: .done(md5: "m"), startedAt: now, bytesReceived: 1000, bytesOnDisk: 1000)],
                owner: "w")
            // A finished file, claimed ones in no order, and one never claimed (id 8).
            try store.updateBytesDone([(ids[3], 300), (ids[0], 1), (ids[1], 100), (8, 5), (ids[2], 200)])
            let rows = try store.database.rows("SELECT id, state, bytes_done FROM files ORDER BY id") { row in
                "\(row.int64(0)) \(row.string(1) ?? "-") \(row.int64(2))"
            }
            let counts = try store.progress()
            return rows + ["claimed bytes \(counts.bytesDone[.claimed] ?? -1)", "done bytes \(counts.bytesDone[.done] ?? -1)"]
        }
        let sqlite = try exercise(directory.file("job.sqlite"))
        XCTAssertEqual(try exercise(database.url), sqlite)
        XCTAssertEqual(sqlite.suffix(2), ["claimed bytes 600", "done bytes 1000"])
        XCTAssertEqual(sqlite[7], "8 pending 0")
    }
}
