import XCTest

@testable import Gen3Kit

final class FIFOTests: XCTestCase {
    private final class Box {
        let value: Int
        init(_ value: Int) { self.value = value }
    }

    func testOrderAndCount() {
        var fifo = FIFO<Int>()
        XCTAssertNil(fifo.popFirst())
        for value in 0..<5 { fifo.append(value) }
        XCTAssertEqual(fifo.popFirst(), 0)
        XCTAssertEqual(fifo.popFirst(), 1)
        fifo.append(5)
        XCTAssertEqual(fifo.count, 4)
        XCTAssertEqual(fifo.removeAll(), [2, 3, 4, 5])
        XCTAssertTrue(fifo.isEmpty)
        XCTAssertNil(fifo.popFirst())
    }

    /// A queue that is never empty (a long run's presigned URLs) must not keep what it handed out.
    func testTakenElementsAreReleasedWhileTheQueueNeverEmpties() {
        var fifo = FIFO<Box>()
        var taken: [Weak] = []
        fifo.append(Box(-1))
        for value in 0..<1000 {
            fifo.append(Box(value))
            if let box = fifo.popFirst() { taken.append(Weak(box)) }
        }
        XCTAssertEqual(fifo.count, 1)
        XCTAssertEqual(taken.filter { $0.object != nil }.count, 0, "the queue still holds elements it handed out")
        XCTAssertEqual(fifo.popFirst()?.value, 999)
    }

    private struct Weak {
        weak var object: Box?
        init(_ object: Box) { self.object = object }
    }
}
