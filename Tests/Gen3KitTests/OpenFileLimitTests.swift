import XCTest

@testable import Gen3Kit

/// The queue of files waiting for their sync fits what the open-file limit leaves after the
/// transfers; a limit too low for the transfers says what would fit.
final class OpenFileLimitTests: XCTestCase {
    func testTheSyncQueueShrinksToTheLimit() throws {
        XCTAssertEqual(try OpenFileLimit.awaitingSync(limit: 1024, maxConcurrentRequests: 16), 896)
        XCTAssertEqual(try OpenFileLimit.awaitingSync(limit: 200, maxConcurrentRequests: 16), 72)
        XCTAssertEqual(try OpenFileLimit.awaitingSync(limit: 144, maxConcurrentRequests: 16), 16)
        XCTAssertThrowsError(try OpenFileLimit.awaitingSync(limit: 143, maxConcurrentRequests: 16)) { error in
            XCTAssertEqual(error as? RunError, .tooFewOpenFiles(maxConcurrentRequests: 16, limit: 143, needed: 144, fitting: 15))
        }
        XCTAssertThrowsError(try OpenFileLimit.awaitingSync(limit: 60, maxConcurrentRequests: 1)) { error in
            XCTAssertTrue((error as? RunError)?.localizedDescription.contains(": raise the limit;") == true, "\(error)")
        }
    }

    func testRunningOutOfOpenFilesStopsTheWorker() {
        for code in [EMFILE, ENFILE] {
            let error = SinkError.from(errno: code, path: "/data/x.part")
            XCTAssertEqual(error, .openFiles(path: "/data/x.part", errno: code))
            XCTAssertTrue(error.stopsWorker)
            XCTAssertTrue(error.localizedDescription.contains("ulimit -n"), error.localizedDescription)
        }
        XCTAssertFalse(SinkError.from(errno: EIO, path: "/data/x.part").stopsWorker)
    }

    /// The default transfers shrink to what the open-file limit holds instead of refusing to run.
    func testTheDefaultTransfersFitTheLimit() {
        XCTAssertEqual(OpenFileLimit.fittingTransfers(limit: 20_000, atMost: 128), 128)
        XCTAssertEqual(OpenFileLimit.fittingTransfers(limit: 160, atMost: 128), 20)
        XCTAssertEqual(OpenFileLimit.fittingTransfers(limit: 10, atMost: 128), 1)
        XCTAssertNoThrow(try OpenFileLimit.awaitingSync(limit: 160, maxConcurrentRequests: 20))
    }
}
