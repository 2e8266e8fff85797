import Foundation
import XCTest

@testable import Gen3Kit

final class JobRescuerTests: XCTestCase {
    /// A worker killed with its supervisor can linger as a zombie: its rows must be freed anyway.
    func testAZombieOwnerCountsAsDead() throws {
        XCTAssertFalse(LeaseOwner.current.isGoneFromThisNode)
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, &argv, environ), 0)
        // Not reaped yet: once it has exited it is a zombie. Block on its exit without reaping it.
        var info = siginfo_t()
        XCTAssertEqual(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT), 0)
        let owner = LeaseOwner(pid: pid, started: LeaseOwner.startTime(of: pid))
        XCTAssertTrue(owner.isGoneFromThisNode, "a zombie was taken for a live worker")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        XCTAssertTrue(owner.isGoneFromThisNode)
    }
}
