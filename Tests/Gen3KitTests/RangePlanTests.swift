import XCTest

@testable import Gen3Kit

final class RangePlanTests: XCTestCase {
    private let mebibyte: Int64 = 1 << 20

    /// Every byte in exactly one range, in file order.
    private func assertCovers(_ ranges: [FileRange], size: Int64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ranges.first?.start, 0, file: file, line: line)
        XCTAssertEqual(ranges.last?.end, size, file: file, line: line)
        for (before, after) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(before.end, after.start, file: file, line: line) }
    }

    /// A few ranges per connection, whole MiBs, within bounds: small enough that the md5 follows
    /// close behind, large enough that a request per range costs little.
    func testRangeSizeIsAFewPerConnectionInWholeMebibytesWithinBounds() {
        XCTAssertEqual(RangePlan.rangeSize(fileSize: 64 * mebibyte, connections: 4), 4 * mebibyte)
        XCTAssertEqual(RangePlan.rangeSize(fileSize: 24 * mebibyte + 5, connections: 4), 2 * mebibyte, "1.5 MiB rounds up")
        XCTAssertEqual(RangePlan.rangeSize(fileSize: 1 << 30, connections: 4), 32 * mebibyte, "capped")
        XCTAssertEqual(RangePlan.rangeSize(fileSize: 3 * mebibyte, connections: 8), mebibyte, "at least 1 MiB")
    }

    /// Whatever size a manifest claims, a plan has at most 1024 ranges: rows, and memory.
    func testAHugeClaimedSizeMakesLargerRangesNotMore() {
        XCTAssertEqual(RangePlan.rangeSize(fileSize: 1 << 40, connections: 4), 1 << 30)
        XCTAssertEqual(RangePlan.rangeSize(fileSize: (1 << 40) + 1, connections: 4), (1 << 30) + mebibyte)
        let sizes: [Int64] = [1 << 40, (1 << 60) + 12_345, .max]
        for size in sizes {
            let ranges = RangePlan.split(size: size, connections: 4)
            XCTAssertLessThanOrEqual(ranges.count, 1024, "\(size)")
            assertCovers(ranges, size: size)
        }
    }

    func testSplitCutsTheFileAtMultiplesOfTheRangeSize() {
        let size = 24 * mebibyte + 5
        let ranges = RangePlan.split(size: size, connections: 4)
        assertCovers(ranges, size: size)
        XCTAssertEqual(ranges.map(\.start), (0...12).map { $0 * 2 * mebibyte })
        XCTAssertEqual(ranges.last?.length, 5)
        XCTAssertTrue(ranges.allSatisfy { $0.done == 0 })
    }

    /// What one connection left at the part file's start is kept as one range already done; the
    /// next range ends at the next multiple, so the rest line up as in a fresh plan.
    func testSplitKeepsAPrefixAsOneDoneRange() {
        let size = 16 * mebibyte
        let prefix = 3 * mebibyte + 7
        let ranges = RangePlan.split(size: size, prefix: prefix, connections: 4)
        assertCovers(ranges, size: size)
        XCTAssertEqual(ranges[0], FileRange(start: 0, end: prefix, done: prefix))
        XCTAssertEqual(ranges[1], FileRange(start: prefix, end: 4 * mebibyte))
        XCTAssertEqual(ranges.dropFirst(2).map(\.start), (4..<16).map { $0 * mebibyte })
        XCTAssertEqual(RangePlan.split(size: size, prefix: size, connections: 4), [FileRange(start: 0, end: size, done: size)])
    }

    /// Recorded ranges never claim more than the part file can hold: each is cut to its length.
    func testResumedRangesAreCutToWhatThePartFileHolds() throws {
        let recorded = [
            FileRange(start: 4 * mebibyte, end: 6 * mebibyte, done: 2 * mebibyte),
            FileRange(start: 0, end: 2 * mebibyte, done: 2 * mebibyte),
            FileRange(start: 2 * mebibyte, end: 4 * mebibyte, done: mebibyte),
        ]
        XCTAssertEqual(
            RangePlan.resumed(recorded, size: 6 * mebibyte, fileSize: 6 * mebibyte)?.map(\.done), [2, 1, 2].map { $0 * mebibyte },
            "in file order, as recorded")
        XCTAssertEqual(
            RangePlan.resumed(recorded, size: 6 * mebibyte, fileSize: 5 * mebibyte)?.map(\.done), [2, 1, 1].map { $0 * mebibyte })
        XCTAssertEqual(RangePlan.resumed(recorded, size: 6 * mebibyte, fileSize: 2 * mebibyte + 10)?.map(\.done), [2 * mebibyte, 10, 0])
        XCTAssertEqual(RangePlan.resumed(recorded, size: 6 * mebibyte, fileSize: 0)?.map(\.done), [0, 0, 0])
    }

    /// Ranges that do not describe the file (another plan, another size) say nothing of where its
    /// holes are.
    func testResumedRefusesRangesThatDoNotCoverTheFileExactlyOnce() {
        let whole = [FileRange(start: 0, end: 10, done: 4), FileRange(start: 10, end: 20, done: 1)]
        XCTAssertNotNil(RangePlan.resumed(whole, size: 20, fileSize: 11))
        XCTAssertNil(RangePlan.resumed(whole, size: 21, fileSize: 11), "another size")
        XCTAssertNil(RangePlan.resumed(whole, size: 20, fileSize: 21), "a part file longer than the file")
        XCTAssertNil(RangePlan.resumed([whole[0], FileRange(start: 11, end: 20)], size: 20, fileSize: 11), "a gap")
        XCTAssertNil(RangePlan.resumed([whole[0], FileRange(start: 9, end: 20)], size: 20, fileSize: 11), "an overlap")
        XCTAssertNil(
            RangePlan.resumed([whole[0], FileRange(start: 10, end: 20, done: 11)], size: 20, fileSize: 11), "more done than the range")
        XCTAssertNil(RangePlan.resumed([], size: 20, fileSize: 0))
    }

    func testTheContiguousPrefixEndsAtTheFirstMissingByte() {
        XCTAssertEqual(RangePlan.contiguousPrefix([FileRange(start: 0, end: 10, done: 10), FileRange(start: 10, end: 20, done: 3)]), 13)
        XCTAssertEqual(
            RangePlan.contiguousPrefix([FileRange(start: 10, end: 20, done: 10), FileRange(start: 0, end: 10, done: 9)]), 9,
            "a complete range after a gap does not count")
        XCTAssertEqual(RangePlan.contiguousPrefix([FileRange(start: 0, end: 10, done: 10), FileRange(start: 10, end: 20, done: 10)]), 20)
        XCTAssertEqual(RangePlan.contiguousPrefix([FileRange(start: 0, end: 10), FileRange(start: 10, end: 20, done: 10)]), 0)
    }
}
