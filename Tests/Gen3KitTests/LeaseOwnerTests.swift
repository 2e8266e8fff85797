import Foundation
import XCTest

@testable import Gen3Kit

/// A lease owner names its node by host and boot id, so that only owners on this node (this boot)
/// are judged by their pid; any other is left to its lease.
final class LeaseOwnerTests: XCTestCase {
    func testOnlyOwnersOfThisNodeAreLocal() {
        let me = LeaseOwner.current
        XCTAssertEqual(me.localProcess, getpid())
        XCTAssertTrue(me.description.hasPrefix(LeaseOwner.node + ":"), me.description)
        XCTAssertTrue(LeaseOwner.node.contains("/"), "no boot id in \(LeaseOwner.node)")
        XCTAssertEqual(LeaseOwner(pid: 42).localProcess, 42)
        // Another machine of the same name, or this one before its last boot.
        XCTAssertNil(LeaseOwner("\(LeaseOwner.hostName())/00000000:42").localProcess)
        XCTAssertNil(LeaseOwner(node: "elsewhere/1234abcd", pid: 42).localProcess)
        XCTAssertNil(LeaseOwner("a tool's own owner").localProcess)
        // Written by a gen3 whose owners had no boot id: this host's, as it was then.
        XCTAssertEqual(LeaseOwner("\(LeaseOwner.hostName()):42").localProcess, 42)
        XCTAssertNil(LeaseOwner("another-host:42").localProcess)
    }

    /// A pid the kernel gave to another process since is not the owner: its start time differs.
    func testAPidNowAnotherProcesssIsGone() throws {
        let started = try XCTUnwrap(LeaseOwner.startTime(of: getpid()))
        XCTAssertEqual(LeaseOwner.current.description, "\(LeaseOwner.node):\(getpid())@\(started)")
        XCTAssertFalse(LeaseOwner.current.isGoneFromThisNode)
        XCTAssertTrue(LeaseOwner(pid: getpid(), started: started + 1).isGoneFromThisNode, "a reused pid passed for its owner")
        XCTAssertFalse(LeaseOwner(pid: getpid()).isGoneFromThisNode, "an owner without a start time: its pid alone")
        XCTAssertFalse(LeaseOwner(node: "elsewhere/1234abcd", pid: getpid(), started: started + 1).isGoneFromThisNode)
        XCTAssertEqual(LeaseOwner(pid: getpid(), started: started).localProcess, getpid())
        XCTAssertFalse(LeaseOwner("\(LeaseOwner.node):\(getpid())@x").isGoneFromThisNode, "an owner it cannot read is left to its lease")
    }

    func testTheBootIDIsTheKernelsFirstGroup() throws {
        let kernel = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
        XCTAssertEqual(LeaseOwner.bootID(), String(kernel.prefix(8)))
    }
}
