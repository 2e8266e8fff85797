import Digest
import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class RangeReceiverTests: XCTestCase {
    private let mebibyte = 1 << 20
    /// What curl hands the write callback at a time.
    private let piece = 16 << 10

    private func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
    }

    private func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    /// The storage host's 206 head for range `range` of `sink`.
    private func answer(_ receiver: RangeReceiver, _ range: FileRange, size: Int) {
        for line in ["HTTP/1.1 206 Partial Content\r\n", "Content-Range: bytes \(range.next)-\(range.end - 1)/\(size)\r\n", "\r\n"] {
            Array(line.utf8).withUnsafeBytes { receiver.receiveHeader($0) }
        }
    }

    /// Hands `bytes` over as curl does, asking first; false when the receiver paused the transfer.
    private func deliver(_ receiver: RangeReceiver, _ bytes: ArraySlice<UInt8>) -> Bool {
        guard receiver.mayReceive(bytes.count) else { return false }
        XCTAssertTrue(bytes.withUnsafeBytes { receiver.receiveBody($0) })
        return true
    }

    /// curl's 16 KiB pieces reach the file a stage at a time; the range counts only what is in the
    /// file, and all of it once the request ends and the executor flushes.
    func testPiecesAreWrittenAStageAtATime() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(2 * mebibyte)
        let sink = try RangedSink.open(finalPath: directory.file("f"), expectedSize: Int64(bytes.count), recorded: [], connections: 2)
        XCTAssertEqual(sink.ranges.count, 2)
        let range = sink.ranges[0]
        let receiver = RangeReceiver(sink: sink, index: 0, requestedFrom: range.next)
        answer(receiver, range, size: bytes.count)
        let perStage = RangeReceiver.stageSize / piece
        for (number, start) in stride(from: 0, to: Int(range.end), by: piece).enumerated() {
            XCTAssertTrue(deliver(receiver, bytes[start..<(start + piece)]))
            // A full stage is written when the next piece comes.
            let written = number / perStage * RangeReceiver.stageSize
            XCTAssertEqual(sink.ranges[0].done, Int64(written), "after piece \(number + 1)")
            XCTAssertEqual(sink.written, Int64(written))
        }
        XCTAssertTrue(receiver.flush())
        XCTAssertEqual(sink.ranges[0].done, range.length)
        XCTAssertEqual(contents(sink.partPath).map { Array($0[0..<Int(range.end)]) }, Array(bytes[0..<Int(range.end)]))
        sink.close()
    }

    /// A range at its checkpoint step writes what it gathered before it pauses, so that the record
    /// it waits for covers every byte received; it is never more than a step past its record in
    /// the file, and goes on once recorded.
    func testARangeAtItsStepWritesWhatItGatheredBeforeItPauses() throws {
        let directory = TemporaryDirectory()
        let bytes = pattern(2 * mebibyte)
        let step: Int64 = 100 << 10
        let sink = try RangedSink.open(
            finalPath: directory.file("f"), expectedSize: Int64(bytes.count), recorded: [], connections: 2, checkpointStep: step)
        let range = sink.ranges[1]
        let receiver = RangeReceiver(sink: sink, index: 1, requestedFrom: range.next)
        answer(receiver, range, size: bytes.count)
        var received = Int(range.start)
        var pauses = 0
        var recorded: Int64 = 0
        while received < Int(range.end) {
            let next = min(received + piece, Int(range.end))
            if deliver(receiver, bytes[received..<next]) {
                received = next
            } else {
                pauses += 1
                XCTAssertTrue(receiver.waitsForRecord)
                XCTAssertEqual(sink.ranges[1].done, Int64(received) - range.start, "every byte received is in the file")
                XCTAssertEqual(sink.unrecorded.map(\.done), [sink.ranges[1].done])
                sink.recorded()
                recorded = sink.ranges[1].done
            }
            XCTAssertLessThanOrEqual(sink.ranges[1].done - recorded, step)
        }
        XCTAssertTrue(receiver.flush())
        XCTAssertEqual(sink.ranges[1].done, range.length)
        XCTAssertGreaterThanOrEqual(pauses, Int(range.length / step) - 1)
        XCTAssertEqual(contents(sink.partPath).map { Array($0[Int(range.start)...]) }, Array(bytes[Int(range.start)...]))
        sink.close()
    }
}
