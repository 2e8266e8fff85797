import Digest
import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class RangedSinkTests: XCTestCase {
    private let mebibyte = 1 << 20

    private func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
    }

    /// Writes what the ranges of `sink` still miss from `bytes`, a chunk of ever-changing size per
    /// range per round, the ranges taken in `order` (indexes into `sink.ranges`).
    private func feed(_ sink: RangedSink, _ bytes: [UInt8], order: [Int], file: StaticString = #filePath, line: UInt = #line) {
        var size = 1
        var more = true
        while more {
            more = false
            for index in order where !sink.ranges[index].isComplete {
                let range = sink.ranges[index]
                let end = min(range.end, range.next + Int64(size))
                XCTAssertTrue(bytes[Int(range.next)..<Int(end)].withUnsafeBytes { sink.write($0, range: index) }, file: file, line: line)
                size = size * 7 % 300_007 + 1
                more = true
            }
        }
    }

    private func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    /// Ranges written in any order, most bytes ahead of the md5's frontier: the md5 is the whole
    /// body's, and every byte is at its offset.
    func testRangesWrittenOutOfOrderHashToTheWholeBodysMD5() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(5 * mebibyte + 12_345)
        let rangeCount = RangePlan.split(size: Int64(bytes.count), connections: 4).count
        XCTAssertEqual(rangeCount, 6)
        let orders = [
            ("side by side, the frontier's range last in each round", Array((0..<rangeCount).reversed())),
            ("one after another from the end", [5, 4, 3, 2, 1, 0]),
            ("the middle first", [3, 1, 5, 0, 2, 4]),
        ]
        for (name, order) in orders {
            let path = directory.file(name)
            let sink = try RangedSink.open(finalPath: path, expectedSize: Int64(bytes.count), recorded: [], connections: 4)
            if order == [5, 4, 3, 2, 1, 0] {
                for index in order { feed(sink, bytes, order: [index]) }
            } else {
                feed(sink, bytes, order: order)
            }
            XCTAssertEqual(sink.written, Int64(bytes.count), name)
            XCTAssertEqual(sink.md5(), MD5.hex(bytes), name)
            XCTAssertEqual(sink.hashed, Int64(bytes.count), name)
            XCTAssertNil(sink.failure, name)
            XCTAssertEqual(contents(sink.partPath), bytes, name)
            sink.close()
        }
    }

    /// A resumed file continues its recorded ranges, each cut to what the part file holds, and
    /// the md5 of the bytes already there is computed again from the file.
    func testAResumedFileHashesWhatItsPartFileHoldsAndFetchesOnlyTheRest() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(4 * mebibyte + 100)
        let path = directory.file("f")
        let plan = RangePlan.split(size: Int64(bytes.count), connections: 4)
        XCTAssertEqual(plan.map(\.length), [1, 1, 1, 1].map { Int64($0 * mebibyte) } + [100])
        // What an earlier attempt wrote: range 0, half of range 1, range 3; not range 4, which
        // its record claims (a part file cut short since).
        let fd = open(path + ".part", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        for (start, end) in [(0, mebibyte + mebibyte / 2), (3 * mebibyte, 4 * mebibyte)] {
            _ = bytes[start..<end].withUnsafeBytes { pwrite(fd, $0.baseAddress, end - start, off_t(start)) }
        }
        close(fd)
        var recorded = plan
        for (index, done) in [(0, mebibyte), (1, mebibyte / 2), (3, mebibyte), (4, 100)] { recorded[index].done = Int64(done) }

        let sink = try RangedSink.open(finalPath: path, expectedSize: Int64(bytes.count), recorded: recorded.reversed(), connections: 4)
        XCTAssertEqual(sink.ranges.map(\.done), [mebibyte, mebibyte / 2, 0, mebibyte, 0].map(Int64.init))
        XCTAssertEqual(sink.written, Int64(2 * mebibyte + mebibyte / 2))
        feed(sink, bytes, order: [4, 2, 1])
        XCTAssertEqual(sink.md5(), MD5.hex(bytes))
        XCTAssertEqual(contents(sink.partPath), bytes)
        sink.close()
    }

    /// Without recorded ranges a part file was written in order by one connection: its length is
    /// kept as a first range. Longer than the file, or with ranges of another file, nothing in it
    /// is trusted.
    func testAPartFileWithoutRangesIsKeptAsAPrefix() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(3 * mebibyte)
        let prefix = mebibyte + 3
        let cases: [(name: String, onDisk: [UInt8], recorded: [FileRange], kept: Int)] = [
            ("a prefix", Array(bytes[0..<prefix]), [], prefix),
            ("longer than the file", bytes + [1], [], 0),
            ("ranges of another file", Array(bytes[0..<prefix]), [FileRange(start: 0, end: 5, done: 5)], 0),
        ]
        for (name, onDisk, recorded, kept) in cases {
            let path = directory.file(name)
            XCTAssertTrue(FileManager.default.createFile(atPath: path + ".part", contents: Data(onDisk)))
            let sink = try RangedSink.open(finalPath: path, expectedSize: Int64(bytes.count), recorded: recorded, connections: 4)
            XCTAssertEqual(sink.written, Int64(kept), name)
            XCTAssertEqual(FilePaths.fileSize(sink.partPath), Int64(kept), name)
            feed(sink, bytes, order: Array(sink.ranges.indices))
            XCTAssertEqual(sink.md5(), MD5.hex(bytes), name)
            XCTAssertEqual(contents(sink.partPath), bytes, name)
            sink.close()
        }
    }

    /// A range goes at most a checkpoint step past its record, or one chunk when it is recorded
    /// to its end; only the ranges with new bytes are reported.
    func testARangeWaitsForItsRecordOnceAStepAhead() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(2 * mebibyte)
        let sink = try RangedSink.open(
            finalPath: directory.file("f"), expectedSize: Int64(bytes.count), recorded: [], connections: 2, checkpointStep: 100)
        XCTAssertTrue(sink.mayWrite(500, range: 0), "nothing unrecorded: one chunk goes in, however large")
        XCTAssertTrue(bytes[0..<60].withUnsafeBytes { sink.write($0, range: 0) })
        XCTAssertTrue(sink.mayWrite(40, range: 0))
        XCTAssertFalse(sink.mayWrite(41, range: 0))
        XCTAssertTrue(sink.mayWrite(500, range: 1), "each range has its own record")
        XCTAssertEqual(sink.unrecorded, [FileRange(start: 0, end: Int64(mebibyte), done: 60)])
        sink.recorded()
        XCTAssertEqual(sink.unrecorded, [])
        XCTAssertTrue(sink.mayWrite(500, range: 0))
        sink.close()
    }

    /// Going over to one connection keeps the bytes from the start that are all there; starting
    /// over keeps none. Either way the md5 is the whole body's.
    func testCollapseKeepsTheContiguousPrefixAndRestartKeepsNothing() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(4 * mebibyte + 7)
        for restart in [false, true] {
            let sink = try RangedSink.open(
                finalPath: directory.file("f-\(restart)"), expectedSize: Int64(bytes.count), recorded: [], connections: 4)
            XCTAssertTrue(bytes[0..<mebibyte].withUnsafeBytes { sink.write($0, range: 0) })
            XCTAssertTrue(bytes[mebibyte..<(mebibyte + 10)].withUnsafeBytes { sink.write($0, range: 1) })
            XCTAssertTrue(bytes[(3 * mebibyte)..<(3 * mebibyte + 99)].withUnsafeBytes { sink.write($0, range: 3) })
            try sink.collapse()
            let prefix = Int64(mebibyte + 10)
            XCTAssertEqual(
                sink.ranges, [FileRange(start: 0, end: prefix, done: prefix), FileRange(start: prefix, end: Int64(bytes.count))])
            XCTAssertEqual(sink.written, prefix)
            XCTAssertEqual(FilePaths.fileSize(sink.partPath), prefix)
            var from = Int(prefix)
            if restart {
                try sink.restart()
                XCTAssertEqual(FilePaths.fileSize(sink.partPath), 0)
                from = 0
            }
            XCTAssertTrue(bytes[from...].withUnsafeBytes { sink.write($0) })
            XCTAssertEqual(sink.md5(), MD5.hex(bytes), "restart: \(restart)")
            XCTAssertEqual(contents(sink.partPath), bytes)
            sink.close()
        }
    }

    /// Bytes past a range's end are refused, and the next range's bytes stay as they are.
    func testARangeTakesNoMoreThanItsLength() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(2 * mebibyte)
        let sink = try RangedSink.open(finalPath: directory.file("f"), expectedSize: Int64(bytes.count), recorded: [], connections: 2)
        XCTAssertTrue(bytes[mebibyte...].withUnsafeBytes { sink.write($0, range: 1) })
        XCTAssertFalse([UInt8](repeating: 0, count: mebibyte + 1).withUnsafeBytes { sink.write($0, range: 0) })
        XCTAssertEqual(sink.failure, .tooLarge(expected: Int64(bytes.count)))
        XCTAssertEqual(contents(sink.partPath).map { Array($0[mebibyte...]) }, Array(bytes[mebibyte...]))
        sink.close()
    }
}
