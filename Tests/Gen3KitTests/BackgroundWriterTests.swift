import CLinux
import Digest
import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class BackgroundWriterTests: XCTestCase {
    private func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
    }

    /// Feeds `bytes` in chunks of ever-changing size, across many buffer hand-overs.
    private func feed(_ writer: BackgroundWriter, _ bytes: ArraySlice<UInt8>) {
        var offset = bytes.startIndex
        var size = 1
        while offset < bytes.endIndex {
            let end = min(bytes.endIndex, offset + size)
            bytes[offset..<end].withUnsafeBytes { writer.append($0) }
            offset = end
            size = size * 7 % 300_007 + 1
        }
    }

    /// What is hashed is what is written, at the right offsets, through the direct and the buffered
    /// descriptor alike, including a start in the middle of a block (a resumed file).
    func testWritesAndHashesTheSameStream() throws {
        let directory = TemporaryDirectory()
        let total = BackgroundWriter.bufferSize * BackgroundWriter.maxBufferCount * 3 + 12_345
        let bytes = pattern(total)
        for (prefix, direct) in [(0, true), (1_000, true), (5_000, false)] {
            let path = directory.file("f-\(prefix)-\(direct)")
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            defer { close(fd) }
            _ = bytes[0..<prefix].withUnsafeBytes { pwrite(fd, $0.baseAddress, prefix, 0) }
            let md5 = MD5()
            md5.update(Array(bytes[0..<prefix]))
            let writer = BackgroundWriter(md5: md5, fd: fd, directFD: direct ? clinux_open_direct(path) : -1, offset: Int64(prefix))
            feed(writer, bytes[prefix...])
            XCTAssertEqual(writer.md5(), MD5.hex(bytes))
            XCTAssertNil(writer.failure)
            XCTAssertEqual(FileManager.default.contents(atPath: path).map { [UInt8]($0) }, bytes)
        }
    }

    /// Many large files at once share a budget of buffers; each keeps two, and a file that starts
    /// alone gets the most again once the others are gone.
    func testFilesShareTheBufferBudget() throws {
        let directory = TemporaryDirectory()
        let fd = open(directory.file("shared"), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        defer { close(fd) }
        XCTAssertEqual(BackgroundWriter.bufferCount(alongside: 0), 4)
        XCTAssertEqual(BackgroundWriter.bufferCount(alongside: 3), 4)
        XCTAssertEqual(BackgroundWriter.bufferCount(alongside: 4), 3)
        XCTAssertEqual(BackgroundWriter.bufferCount(alongside: 15), 2)
        XCTAssertEqual(BackgroundWriter.bufferCount(alongside: 1000), 2)
        XCTAssertEqual(BackgroundWriter.liveWriters, 0, "a writer of an earlier test is still alive")
        var writers = (0..<16).map { _ in BackgroundWriter(md5: MD5(), fd: fd, directFD: -1, offset: 0) }
        XCTAssertEqual(writers.map(\.bufferCount), [4, 4, 4, 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
        XCTAssertEqual(BackgroundWriter.liveWriters, 16)
        writers.removeAll()
        XCTAssertEqual(BackgroundWriter.liveWriters, 0)
        XCTAssertEqual(BackgroundWriter(md5: MD5(), fd: fd, directFD: -1, offset: 0).bufferCount, 4)
    }

    /// A finished file (waiting for its sync, still held) gives its buffers back to the budget and
    /// closes its direct descriptor; its md5 stays.
    func testAFinishedWriterHoldsNoBuffers() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("finished")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        defer { close(fd) }
        let before = BackgroundWriter.liveWriters
        // The descriptors of this process open on the file: counted by what they name, as other
        // threads of the test process may open and close descriptors of their own meanwhile.
        func openOnFile() throws -> Int {
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            return try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == target
            }.count
        }
        XCTAssertEqual(try openOnFile(), 1)
        let writer = BackgroundWriter(md5: MD5(), fd: fd, directFD: clinux_open_direct(path), offset: 0)
        XCTAssertEqual(try openOnFile(), 2, "the direct descriptor")
        let bytes = pattern(BackgroundWriter.bufferSize + 4096)
        bytes.withUnsafeBytes { writer.append($0) }
        XCTAssertEqual(BackgroundWriter.liveWriters, before + 1)
        writer.finish()
        XCTAssertEqual(BackgroundWriter.liveWriters, before)
        XCTAssertEqual(try openOnFile(), 1, "the direct descriptor is closed")
        XCTAssertEqual(writer.md5(), MD5.hex(bytes))
        writer.finish()
        XCTAssertEqual(BackgroundWriter.liveWriters, before, "a second finish gives back nothing more")
        XCTAssertEqual(FileManager.default.contents(atPath: path).map { [UInt8]($0) }, bytes)
    }

    func testEmptyDroppedAndFailingStreams() throws {
        let directory = TemporaryDirectory()
        let fd = open(directory.file("empty"), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        defer { close(fd) }
        XCTAssertEqual(BackgroundWriter(md5: MD5(), fd: fd, directFD: -1, offset: 0).md5(), "d41d8cd98f00b204e9800998ecf8427e")
        // Dropped without finalize (a restarted transfer): its threads must end with it.
        let before = BackgroundWriter.liveWriters
        for _ in 0..<20 {
            let dropped = BackgroundWriter(md5: MD5(), fd: fd, directFD: -1, offset: 0)
            [UInt8](repeating: 1, count: BackgroundWriter.bufferSize + 1).withUnsafeBytes { dropped.append($0) }
        }
        XCTAssertEqual(BackgroundWriter.liveWriters, before, "dropped writers are gone, with their buffers")
        // A descriptor that cannot be written: the error comes back, the hash still covers everything.
        let readOnly = open(directory.file("empty"), O_RDONLY | O_CLOEXEC)
        defer { close(readOnly) }
        let failing = BackgroundWriter(md5: MD5(), fd: readOnly, directFD: -1, offset: 0)
        let bytes = pattern(BackgroundWriter.bufferSize * 2)
        feed(failing, bytes[...])
        XCTAssertEqual(failing.md5(), MD5.hex(bytes))
        XCTAssertEqual(failing.failure, EBADF)
    }

    /// A part file large enough for the background writer still verifies, including a resumed prefix.
    func testLargeFileSinkHashesWhatItWrote() throws {
        let directory = TemporaryDirectory()
        let size = 8 << 20 + 1000
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        let (first, firstOffset) = try FileSinks.open(finalPath: directory.file("big"), expectedSize: Int64(size))
        XCTAssertEqual(firstOffset, 0)
        XCTAssertTrue(bytes[0..<3_000_001].withUnsafeBytes { first.write($0) })
        first.close()
        XCTAssertEqual(FilePaths.fileSize(directory.file("big.part")), 3_000_001)
        let (second, secondOffset) = try FileSinks.open(finalPath: directory.file("big"), expectedSize: Int64(size))
        XCTAssertEqual(secondOffset, 3_000_001)
        XCTAssertTrue(bytes[3_000_001...].withUnsafeBytes { second.write($0) })
        XCTAssertEqual(second.md5(), MD5.hex(bytes))
        try second.sync()
        try second.commit()
        XCTAssertEqual(FileManager.default.contents(atPath: directory.file("big")).map { [UInt8]($0) }, bytes)
    }
}
