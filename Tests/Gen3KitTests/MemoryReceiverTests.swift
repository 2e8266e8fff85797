import XCTest

@testable import Gen3Kit

/// README: API answers are capped at 1 MiB before parsing (the number is README's, not the type's).
final class MemoryReceiverTests: XCTestCase {
    private func feed(_ receiver: MemoryReceiver, _ count: Int) -> Bool {
        [UInt8](repeating: 0x61, count: count).withUnsafeBytes { receiver.receiveBody($0) }
    }

    func testAnAnswerOfOneMiBIsKeptAndOneByteMoreStopsTheTransfer() {
        let receiver = MemoryReceiver()
        for _ in 0..<16 { XCTAssertTrue(feed(receiver, 65_536)) }
        XCTAssertEqual(receiver.body.count, 1_048_576)
        XCTAssertFalse(receiver.exceededLimit)
        XCTAssertFalse(feed(receiver, 1), "a byte past 1 MiB was accepted")
        XCTAssertTrue(receiver.exceededLimit)
        XCTAssertEqual(receiver.body.count, 1_048_576, "bytes past the cap were kept")
    }

    func testAChunkThatCrossesTheCapIsRefusedWhole() {
        let receiver = MemoryReceiver()
        XCTAssertTrue(feed(receiver, 1_048_000))
        XCTAssertFalse(feed(receiver, 577))
        XCTAssertTrue(receiver.exceededLimit)
        XCTAssertEqual(receiver.body.count, 1_048_000)
    }

    /// A redirect's body is dropped when the next response starts, so it does not count.
    func testARedirectsBodyDoesNotCountTowardsTheCap() {
        let receiver = MemoryReceiver()
        XCTAssertTrue(feed(receiver, 1_000_000))
        Array("HTTP/1.1 200 OK\r\n".utf8).withUnsafeBytes { receiver.receiveHeader($0) }
        XCTAssertTrue(feed(receiver, 1_048_576))
        XCTAssertFalse(receiver.exceededLimit)
    }
}
