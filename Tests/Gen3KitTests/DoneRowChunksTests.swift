import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// SQLite commits a group of finished files in chunks of two statements (`DoneRowChunks`); a group
/// that holds any other outcome goes row by row. Both leave the same rows.
final class DoneRowChunksTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUp() { directory = TemporaryDirectory("done-chunks") }

    func testAGroupIsCutIntoFewDistinctSizes() {
        XCTAssertEqual(DoneRowChunks.sizes(0), [])
        XCTAssertEqual(DoneRowChunks.sizes(1), [1])
        XCTAssertEqual(DoneRowChunks.sizes(7), [4, 2, 1])
        XCTAssertEqual(DoneRowChunks.sizes(64), [64])
        XCTAssertEqual(DoneRowChunks.sizes(103), [64, 32, 4, 2, 1])
        XCTAssertEqual(DoneRowChunks.sizes(200), [64, 64, 64, 8])
        for count in 0...300 {
            let sizes = DoneRowChunks.sizes(count)
            XCTAssertEqual(sizes.reduce(0, +), count)
            XCTAssertTrue(sizes.allSatisfy { $0 <= DoneRowChunks.largest && $0 & ($0 - 1) == 0 }, "\(count): \(sizes)")
        }
    }

    /// 103 files (five chunks): one retried before (its attempt is the second), one not claimed (pending
    /// rows may be finished, as row by row), and one recorded again in a later group (no second
    /// attempt). One job records them as a group of `done`s, the other with a failure added to the
    /// group, which sends it row by row; the finished files' rows and attempts must match.
    func testChunksLeaveTheRowsThatRowByRowLeaves() throws {
        func exercise(_ name: String, mixed: Bool) throws -> [String] {
            let store = try JobStore(path: directory.file("\(name).sqlite"))
            try store.importRows(
                (1...110).map { "dg.T/\($0)\tf\($0).bin\t\($0 * 10)" }, manifest: directory.file("m.tsv"),
                downloadPath: directory.file("data"))
            let now = Clock.now()
            XCTAssertEqual(try store.claimBatch(owner: "w", limit: 1, leaseSeconds: 60, now: now).map(\.id), [1])
            try store.record([AttemptRecord(fileID: 1, outcome: .retry(notBefore: 0), startedAt: now - 3, finishedAt: now - 2)], owner: "w")
            XCTAssertEqual(try store.claimBatch(owner: "w", limit: 105, leaseSeconds: 60, now: now).count, 105)
            let records = (1...103).map { (id: Int) -> AttemptRecord in
                let fileID: Int64 = id == 103 ? 110 : Int64(id)
                let status: Int? = id == 2 ? nil : 200
                return AttemptRecord(
                    fileID: fileID, outcome: .done(md5: "md5-\(id)"), startedAt: now - Double(id), finishedAt: now,
                    httpStatus: status, bytesReceived: Int64(id), bytesOnDisk: Int64(id) * 10)
            }
            let failure = AttemptRecord(fileID: 104, outcome: .failed, startedAt: now - 1, finishedAt: now, error: "x")
            XCTAssertEqual(DoneRowChunks(records, owner: "w", time: store.time)?.chunks.map(\.rows), [64, 32, 4, 2, 1])
            XCTAssertNil(DoneRowChunks(records + [failure], owner: "w", time: store.time))
            try store.record(mixed ? records + [failure] : records, owner: "w")
            try store.record([records[5]], owner: "w")
            let files = try store.database.rows(
                """
                SELECT id, state, attempts, coalesce(actual_md5, '-'), bytes_done, coalesce(last_http_status, -1),
                       coalesce(lease_owner, '-'), lease_expires_at IS NULL, coalesce(last_error, '-'),
                       CAST(round(finished_at - updated_at) AS INTEGER)
                FROM files WHERE id <= 103 OR id = 110 ORDER BY id
                """
            ) { row in (0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: " ") }
            let attempts = try store.database.rows(
                """
                SELECT file_id, attempt, worker, outcome, coalesce(http_status, -1), coalesce(error, '-'), bytes,
                       CAST(round(finished_at - started_at) AS INTEGER)
                FROM attempts WHERE file_id <= 103 OR file_id = 110 ORDER BY file_id, attempt
                """
            ) { row in (0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: " ") }
            let counts = try store.database.rows("SELECT state, files, bytes_done FROM file_counts WHERE state = 'done'") {
                "\($0.string(0) ?? "") \($0.int(1)) \($0.int(2))"
            }
            return files + ["--"] + attempts + ["--"] + counts
        }
        let chunked = try exercise("chunked", mixed: false)
        let rowByRow = try exercise("row-by-row", mixed: true)
        XCTAssertEqual(chunked, rowByRow)
        XCTAssertTrue(chunked.contains("1 done 2 md5-1 10 200 - 1 - 0"), chunked.joined(separator: "\n"))
        XCTAssertTrue(chunked.contains("2 done 1 md5-2 20 -1 - 1 - 0"), chunked.joined(separator: "\n"))
        XCTAssertTrue(chunked.contains("1 2 w done 200 - 1 1"), "the retried file's attempt is its second")
        XCTAssertTrue(chunked.contains("110 done 1 md5-103 1030 200 - 1 - 0"), "a pending file is finished too")
        XCTAssertEqual(chunked.filter { $0.contains(" w done ") }.count, 103, "one attempt per file: \(chunked)")
        XCTAssertEqual(chunked.last, "done 103 \((1...103).map { $0 * 10 }.reduce(0, +))")
    }
}
