import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// PostgreSQL commits a batch of finished files in one statement (`DoneRecordBatch`); SQLite in
/// chunks (`DoneRowChunks`). Both leave the same rows.
final class DoneRecordBatchTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var database: PostgresTestDatabase?

    override func setUp() { directory = TemporaryDirectory("done-batch") }
    override func tearDown() { database?.drop() }

    private func job(_ location: String) throws -> JobStore {
        let store = try JobStore(path: location)
        try store.importRows(
            (1...12).map { "dg.T/\($0)\tf\($0).bin\t\($0 * 10)" }, manifest: directory.file("m.tsv"), downloadPath: directory.file("data"))
        return store
    }

    /// Claims 10 of the 12 files and records: 6 done in one batch (one with no HTTP status, one
    /// with an md5 text that needs quoting, one pending, not claimed), then the same batch again
    /// (nothing changes), then a batch that mixes outcomes (row by row).
    private func exercise(_ store: JobStore) throws -> [String] {
        let now = Clock.now()
        let claimed = try store.claimBatch(owner: "w", limit: 10, leaseSeconds: 60, now: now)
        XCTAssertEqual(claimed.count, 10)
        func done(_ id: Int64, _ md5: String, status: Int? = 200) -> AttemptRecord {
            AttemptRecord(
                fileID: id, outcome: .done(md5: md5), startedAt: now - 2, finishedAt: now, httpStatus: status, bytesReceived: id * 10,
                bytesOnDisk: id * 10)
        }
        let ids = claimed.map(\.id).sorted()
        let batch = [
            done(ids[4], "e"), done(ids[0], "a"), done(ids[1], "b", status: nil), done(ids[2], #"q"u\o,te{}"#), done(ids[3], "d"),
            done(12, "never claimed"),
        ]
        try store.record(batch, owner: "w")
        try store.record(batch, owner: "w")
        try store.record(
            [done(ids[5], "f"), AttemptRecord(fileID: ids[6], outcome: .failed, startedAt: now - 1, finishedAt: now, error: "x")],
            owner: "w")
        let files = try store.database.rows(
            """
            SELECT id, state, attempts, coalesce(actual_md5, '-'), bytes_done, coalesce(last_http_status, -1),
                   coalesce(lease_owner, '-'), CAST(round(finished_at - updated_at) AS INTEGER)
            FROM files ORDER BY id
            """
        ) { row in (0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: " ") }
        let attempts = try store.database.rows(
            """
            SELECT file_id, attempt, worker, outcome, coalesce(http_status, -1), bytes, CAST(round(finished_at - started_at) AS INTEGER)
            FROM attempts ORDER BY file_id, attempt
            """
        ) { row in (0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: " ") }
        return files + ["--"] + attempts
    }

    func testABatchLeavesTheRowsThatRowByRowLeaves() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        self.database = database
        let records = [done(1, "a")]
        XCTAssertNotNil(DoneRecordBatch(records, owner: "w", clockOffset: 0), "a batch of finished files is one statement")
        XCTAssertNil(DoneRecordBatch(records + records, owner: "w", clockOffset: 0), "a file twice goes row by row")
        let sqlite = try exercise(try job(directory.file("job.sqlite")))
        let postgres = try exercise(try job(database.url))
        XCTAssertEqual(postgres, sqlite)
        XCTAssertTrue(sqlite.contains { $0.hasSuffix(#"done 1 q"u\o,te{} 30 200 - 0"#) }, sqlite.joined(separator: "\n"))
        XCTAssertEqual(sqlite.filter { $0.contains(" w done ") }.count, 7, "a file recorded twice has one attempt: \(sqlite)")
    }

    private func done(_ id: Int64, _ md5: String) -> AttemptRecord {
        AttemptRecord(fileID: id, outcome: .done(md5: md5), startedAt: 0, finishedAt: 1)
    }
}
