import XCTest

@testable import Gen3Kit

final class JoinableThreadTests: XCTestCase {
    /// The supervisor waits for its in-process worker this way: the wait must end when the thread
    /// does, and must not claim it has ended while it runs.
    func testWaitUntilFinishedFollowsTheClosure() {
        let gate = ConditionLock()
        var open = false
        let thread = JoinableThread {
            gate.locked { while !open { gate.wait() } }
        }
        XCTAssertFalse(thread.waitUntilFinished(seconds: 0.05), "the closure is still blocked on the gate")
        XCTAssertFalse(thread.waitUntilFinished(seconds: 0))
        gate.locked {
            open = true
            gate.broadcast()
        }
        // Generous: it returns as soon as the thread ends, so a pass costs nothing like this.
        XCTAssertTrue(thread.waitUntilFinished(seconds: 60))
        XCTAssertTrue(thread.waitUntilFinished(seconds: 0))
        thread.join()
    }
}
