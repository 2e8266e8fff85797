import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// Waiting for another connection's write lock: a writer waits while the lock is held (it is
/// freed within the busy timeout), and gives up with SQLITE_BUSY once the waits add up to it.
final class ConnectionBusyTests: XCTestCase {
    func testAWriterGivesUpWithBusyOnceItsTimeoutHasPassed() throws {
        let directory = TemporaryDirectory("busy")
        let holder = try Connection(path: directory.file("job.sqlite"))
        try holder.execute("CREATE TABLE t (x INTEGER)")
        let waiter = try Connection(path: directory.file("job.sqlite"), busyTimeoutMilliseconds: 50)
        try holder.execute("BEGIN IMMEDIATE")
        XCTAssertThrowsError(try waiter.execute("BEGIN IMMEDIATE")) { error in
            XCTAssertTrue((error as? SQLiteError)?.isBusy == true, "\(error)")
        }
        try holder.execute("COMMIT")
        try waiter.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT")
    }

    func testAWriterGetsTheLockOnceItIsFreed() throws {
        let directory = TemporaryDirectory("busy")
        let holder = try Connection(path: directory.file("job.sqlite"))
        try holder.execute("CREATE TABLE t (x INTEGER)")
        let waiter = try Connection(path: directory.file("job.sqlite"))
        for round in 0..<20 {
            try holder.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (\(round))")
            let gate = ConditionLock()
            var waiting = false
            let release = JoinableThread {
                gate.locked { while !waiting { gate.wait() } }
                try? holder.execute("COMMIT")
            }
            gate.locked {
                waiting = true
                gate.broadcast()
            }
            try waiter.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (-1); COMMIT")
            release.join()
        }
        XCTAssertEqual(try waiter.prepare("SELECT count(*) FROM t").first { $0.int64(0) }, 40)
    }

    /// Short sleeps first (the locks here are held for well under a millisecond), never long ones.
    func testTheWaitsStartShortAndStayBounded() {
        let waits = (0..<20).map(Connection.busySleepMicroseconds)
        XCTAssertEqual(waits.first, 50)
        XCTAssertEqual(waits, waits.sorted())
        XCTAssertEqual(waits.max(), 5_000)
    }
}
