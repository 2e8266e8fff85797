import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// The store's PostgreSQL sessions run a transaction again when the server ended it as a deadlock,
/// so that two sessions of one worker updating the same rows in different orders both commit.
final class ReconnectingDatabaseTests: XCTestCase {
    private var database: PostgresTestDatabase!

    override func setUpWithError() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        self.database = database
    }

    override func tearDown() { database?.drop() }

    /// Blocks until a session of this database waits for a row lock (polling `pg_stat_activity`).
    private func waitForALockWait(_ observer: PostgresConnection) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let waiting =
                try observer.first(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock'
                    """
                ) { $0.int64(0) } ?? 0
            if waiting > 0 { return }
        }
        XCTFail("no session came to wait for a lock")
    }

    /// The first session's side, run on a thread of its own.
    private final class FirstSide: @unchecked Sendable {
        let database: ReconnectingDatabase
        let holdsRowOne = DispatchSemaphore(value: 0)
        let mayGoOn = DispatchSemaphore(value: 0)
        var runs = 0
        var error: Error?

        init(_ database: ReconnectingDatabase) { self.database = database }

        func run() {
            do {
                try database.transaction {
                    runs += 1
                    try database.run("UPDATE t SET v = v + 1 WHERE id = 1")
                    if runs == 1 {
                        holdsRowOne.signal()
                        mayGoOn.wait()
                    }
                    try database.run("UPDATE t SET v = v + 1 WHERE id = 2")
                }
            } catch {
                self.error = error
            }
        }
    }

    func testBothSidesOfADeadlockCommitOnce() throws {
        let setup = try database.connect()
        try setup.execute("CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL); INSERT INTO t VALUES (1, 0), (2, 0)")
        let first = FirstSide(ReconnectingDatabase(try database.connect()))
        let second = ReconnectingDatabase(try database.connect())
        let observer = try database.connect()
        var thread: JoinableThread?
        var secondRuns = 0
        try second.transaction {
            secondRuns += 1
            if secondRuns == 1 {
                thread = JoinableThread { first.run() }
                first.holdsRowOne.wait()
            }
            try second.run("UPDATE t SET v = v + 10 WHERE id = 2")
            if secondRuns == 1 {
                first.mayGoOn.signal()
                // The first session now waits for row 2; this one's update of row 1 closes the cycle.
                try waitForALockWait(observer)
            }
            try second.run("UPDATE t SET v = v + 10 WHERE id = 1")
        }
        thread?.join()
        XCTAssertNil(first.error)
        XCTAssertEqual(first.runs + secondRuns, 3, "one side was run again after the deadlock")
        XCTAssertEqual(try setup.rows("SELECT v FROM t ORDER BY id") { $0.int64(0) }, [11, 11], "each transaction committed once")
    }
}
