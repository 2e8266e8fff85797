import XCTest

@testable import Gen3Kit

/// The renamer's queue is bounded by what its files hold: the open files `ulimit -n` leaves after
/// the transfers (with a ceiling on the count), and the bytes of bodies held in memory.
final class AwaitingSyncLimitTests: XCTestCase {
    func testOpenFilesBoundTheQueueUpToTheCeiling() throws {
        let low = AwaitingSyncLimit(openFiles: try OpenFileLimit.awaitingSync(limit: 1024, maxConcurrentRequests: 128))
        XCTAssertEqual(low.files, 1024 - 4 * 128 - OpenFileLimit.otherFiles)
        XCTAssertFalse(low.isFull(.init(files: low.files - 1)))
        XCTAssertTrue(low.isFull(.init(files: low.files)))
        let raised = AwaitingSyncLimit(openFiles: try OpenFileLimit.awaitingSync(limit: 20_000, maxConcurrentRequests: 256))
        XCTAssertEqual(raised.files, AwaitingSyncLimit.maxFiles)
        XCTAssertFalse(raised.isFull(.init(files: 256)), "a round of 256 transfers fits")
        XCTAssertTrue(raised.isFull(.init(files: AwaitingSyncLimit.maxFiles)))
    }

    func testBodiesInMemoryBoundTheQueue() {
        let limit = AwaitingSyncLimit(openFiles: 10_000)
        XCTAssertEqual(limit.bodyBytes, MemoryBudget.bodiesAwaitingWrite)
        XCTAssertFalse(limit.isFull(.init(files: 300, bodyBytes: limit.bodyBytes - 1)))
        XCTAssertTrue(limit.isFull(.init(files: 1, bodyBytes: limit.bodyBytes)))
        let small = AwaitingSyncLimit(openFiles: 10_000, bodyBytes: 100)
        XCTAssertTrue(small.isFull(.init(files: 1, bodyBytes: 100)))
        XCTAssertFalse(small.isFull(.init(files: 100, bodyBytes: 0)), "files written out hold no memory")
        // What `-vv` says when new transfers wait for room.
        XCTAssertEqual(AwaitingSyncLimit.Load(files: 300, bodyBytes: 3 << 20).description, "300 files (3.0 MiB of bodies still in memory)")
    }

    /// The bodies waiting for the renamer and the large bodies' write buffers are carved from one
    /// budget.
    func testTheBodyBudgetsShareOneSum() {
        XCTAssertEqual(BackgroundWriter.bufferBudget + AwaitingSyncLimit(openFiles: 1).bodyBytes, MemoryBudget.heldBodies)
    }
}
