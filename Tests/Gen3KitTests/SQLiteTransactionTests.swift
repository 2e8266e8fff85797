import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// A SQLite connection's transactions, whose BEGIN, COMMIT and ROLLBACK it keeps prepared: each
/// commits or rolls back whole, again and again on the same statements, and a transaction that
/// cannot get the lock leaves the connection ready for the next.
final class SQLiteTransactionTests: XCTestCase {
    func testTransactionsCommitOrRollBackWholeOneAfterAnother() throws {
        let directory = TemporaryDirectory("transactions")
        let connection = try Connection(path: directory.file("job.sqlite"))
        try connection.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        struct Stop: Error {}
        for round in 0..<3 {
            try connection.transaction { try connection.run("INSERT INTO t VALUES (?1)", [.integer(Int64(2 * round))]) }
            XCTAssertThrowsError(
                try connection.transaction {
                    try connection.run("INSERT INTO t VALUES (?1)", [.integer(Int64(2 * round + 1))])
                    throw Stop()
                }
            ) { XCTAssertTrue($0 is Stop, "\($0)") }
            // A statement that fails inside the transaction rolls it back too.
            XCTAssertThrowsError(
                try connection.transaction(.deferred) {
                    try connection.run("INSERT INTO t VALUES (?1)", [.integer(100 + Int64(round))])
                    try connection.run("INSERT INTO t VALUES (?1)", [.integer(0)])
                })
        }
        XCTAssertEqual(try connection.rows("SELECT x FROM t ORDER BY x") { $0.int64(0) }, [0, 2, 4])
    }

    func testATransactionThatFindsTheLockTakenLeavesTheConnectionReady() throws {
        let directory = TemporaryDirectory("transactions")
        let holder = try Connection(path: directory.file("job.sqlite"))
        try holder.execute("CREATE TABLE t (x INTEGER)")
        let waiter = try Connection(path: directory.file("job.sqlite"), busyTimeoutMilliseconds: 20)
        try holder.execute("BEGIN IMMEDIATE")
        XCTAssertThrowsError(try waiter.transaction { try waiter.run("INSERT INTO t VALUES (1)", []) }) { error in
            XCTAssertTrue((error as? SQLiteError)?.isBusy == true, "\(error)")
        }
        try holder.execute("COMMIT")
        try waiter.transaction { try waiter.run("INSERT INTO t VALUES (2)", []) }
        XCTAssertEqual(try holder.rows("SELECT x FROM t") { $0.int64(0) }, [2])
    }
}
