import TestSupport
import XCTest

@testable import Gen3Kit

/// The WAL checkpoints of watched connections run on the checkpointer's thread, not inside their
/// commits, and go back to SQLite when it closes.
final class CheckpointerTests: XCTestCase {
    /// The most frames the WAL file has held: a checkpoint lets the next commit start it over,
    /// so without checkpoints it grows with every commit.
    private func walFramesHeld(_ store: JobStore) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: store.sqlite!.path + "-wal")[.size] as? Int) ?? 0
        return max(0, size - 32) / (4096 + 24)
    }

    /// Commits `transactions` of 100 rows of a page each: about 100 WAL frames per commit.
    private func write(_ store: JobStore, transactions: Int) throws {
        let blob = String(repeating: "x", count: 4000)
        for _ in 0..<transactions {
            try store.sqlite!.transaction {
                for _ in 0..<100 { try store.sqlite!.execute("INSERT INTO padding (body) VALUES ('\(blob)')") }
            }
        }
    }

    /// A job with a table to pad, its connection watched by a paused checkpointer.
    private func watchedStore(in directory: TemporaryDirectory) throws -> (JobStore, Checkpointer) {
        let store = try JobStore(path: directory.file("job.sqlite"))
        try store.sqlite!.execute("CREATE TABLE padding (body TEXT)")
        let checkpointer = try Checkpointer(path: store.sqlite!.path)
        checkpointer.watch(store.sqlite!)
        checkpointer.paused = true
        return (store, checkpointer)
    }

    func testWatchedCommitsLeaveTheirCheckpointsToTheThread() throws {
        let directory = TemporaryDirectory()
        let (store, checkpointer) = try watchedStore(in: directory)
        try write(store, transactions: 30)
        XCTAssertGreaterThan(walFramesHeld(store), 2500, "a commit checkpointed on its own connection")
        XCTAssertEqual(checkpointer.runs, 0)
        checkpointer.paused = false
        checkpointer.waitUntilIdle()
        XCTAssertEqual(checkpointer.runs, 1, "the requests made while paused were not run once")
        // The WAL was copied: the next commit starts it over instead of growing it.
        try write(store, transactions: 1)
        let frames = try store.sqlite!.prepare("PRAGMA wal_checkpoint(PASSIVE)").first { $0.int(1) } ?? nil
        XCTAssertLessThan(frames ?? .max, 200, "the WAL went on growing after the checkpoint")
        checkpointer.close()
    }

    func testClosingGivesTheCheckpointsBackToSQLite() throws {
        let directory = TemporaryDirectory()
        let (store, checkpointer) = try watchedStore(in: directory)
        checkpointer.close()
        try write(store, transactions: 30)
        // SQLite's own checkpoint ran in the commits past 1,000 frames, and the WAL started over.
        XCTAssertLessThan(walFramesHeld(store), 1500)
        XCTAssertEqual(checkpointer.runs, 0)
    }
}
