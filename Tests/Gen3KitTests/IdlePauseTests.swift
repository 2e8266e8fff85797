import XCTest

@testable import Gen3Kit

/// How often a worker with nothing to do asks the database again: as often as before through a
/// short wait, a tenth of the time waited later, never less often than the caps.
final class IdlePauseTests: XCTestCase {
    func testAWorkerWithNothingToDoAsksLessOftenTheLongerItWaits() {
        XCTAssertEqual(Worker.idlePause(after: 0), 0.1)
        XCTAssertEqual(Worker.idlePause(after: 1), 0.1)
        XCTAssertEqual(Worker.idlePause(after: 5), 0.5, accuracy: 1e-9)
        XCTAssertEqual(Worker.idlePause(after: 60), 1)
        XCTAssertEqual(Producer.emptyClaimPause(after: 0), 0.2)
        XCTAssertEqual(Producer.emptyClaimPause(after: 2), 0.2)
        XCTAssertEqual(Producer.emptyClaimPause(after: 10), 1, accuracy: 1e-9)
        XCTAssertEqual(Producer.emptyClaimPause(after: 3600), 2)
    }
}
