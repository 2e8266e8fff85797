import Digest
import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class FileSinkTests: XCTestCase {
    /// README: "A file under 64 KiB is assembled in memory".
    private let memoryLimit: Int64 = 64 << 10

    /// Below the memory limit a body stays in memory (nothing on disk until the renamer writes it);
    /// from the limit on it goes to the part file as it arrives, so a retry can continue it.
    func testSmallBodiesWaitInMemoryLargerOnesGoToThePartFile() throws {
        let directory = TemporaryDirectory()
        let (small, smallOffset) = try FileSinks.open(finalPath: directory.file("small"), expectedSize: memoryLimit - 1)
        XCTAssertEqual(smallOffset, 0)
        XCTAssertTrue([UInt8](repeating: 7, count: 1000).withUnsafeBytes { small.write($0) })
        XCTAssertTrue(small.inMemory)
        XCTAssertFalse(FilePaths.exists(small.partPath))
        let (large, largeOffset) = try FileSinks.open(finalPath: directory.file("large"), expectedSize: memoryLimit)
        XCTAssertEqual(largeOffset, 0)
        XCTAssertTrue([UInt8](repeating: 7, count: 1000).withUnsafeBytes { large.write($0) })
        XCTAssertFalse(large.inMemory)
        XCTAssertEqual(FilePaths.fileSize(large.partPath), 1000)
    }

    /// A part file read back earlier (`OnDiskReader`) is not read again when its length is still
    /// what was read: the sink goes on from that md5. Any other length is read again.
    func testAPartFileReadBackEarlierIsNotReadAgainUnlessItsLengthChanged() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("f")
        let prefix = [UInt8](repeating: 1, count: 100_000)
        let rest = [UInt8](repeating: 2, count: 50_000)
        try Data(prefix).write(to: URL(fileURLWithPath: path + ".part"))
        func resumed(readPart: (length: Int64, md5: MD5)?) throws -> String {
            let (sink, offset) = try FileSinks.open(finalPath: path, expectedSize: 150_000, readPart: readPart)
            XCTAssertEqual(offset, 100_000)
            XCTAssertTrue(rest.withUnsafeBytes { sink.write($0) })
            let md5 = sink.md5()
            XCTAssertEqual(truncate(path + ".part", 100_000), 0)
            return md5
        }
        let whole = MD5.hex(prefix + rest)
        XCTAssertEqual(try resumed(readPart: nil), whole)
        // A state that is not the prefix's shows whether the sink took it or read the file.
        let other = MD5()
        other.update([UInt8](repeating: 9, count: 100_000))
        XCTAssertEqual(try resumed(readPart: (100_000, other)), MD5.hex([UInt8](repeating: 9, count: 100_000) + rest))
        let stale = MD5()
        stale.update([UInt8](repeating: 9, count: 99_999))
        XCTAssertEqual(try resumed(readPart: (99_999, stale)), whole, "a length that changed since is read again")
    }

    /// Throwing away a body that never reached the disk deletes nothing: whatever is at the part
    /// name is not ours.
    func testDiscardingAnInMemoryBodyLeavesThePartNameAlone() throws {
        let directory = TemporaryDirectory()
        let (sink, sinkOffset) = try FileSinks.open(finalPath: directory.file("f"), expectedSize: 3, partAbsent: true)
        XCTAssertEqual(sinkOffset, 0)
        try "someone else's".write(toFile: sink.partPath, atomically: false, encoding: .utf8)
        XCTAssertTrue(Array("abc".utf8).withUnsafeBytes { sink.write($0) })
        sink.discard()
        XCTAssertEqual(try String(contentsOfFile: sink.partPath, encoding: .utf8), "someone else's")
    }

    /// An unnamed file takes its final name in one step, replacing (not following) what is there.
    func testUnnamedFilesAreLinkedOverWhateverIsAtTheFinalNameOnlyWhenAllowed() throws {
        for replaces in [false, true] {
            let directory = TemporaryDirectory()
            let outside = TemporaryDirectory("outside")
            try "untouched".write(toFile: outside.file("target"), atomically: false, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: directory.file("f"), withDestinationPath: outside.file("target"))
            let (sink, sinkOffset) = try FileSinks.open(finalPath: directory.file("f"), expectedSize: 3, replacesExisting: replaces)
            XCTAssertEqual(sinkOffset, 0)
            XCTAssertTrue(Array("abc".utf8).withUnsafeBytes { sink.write($0) })
            XCTAssertEqual(sink.md5(), MD5.hex(Array("abc".utf8)))
            try sink.materialize(unnamed: true)
            try sink.sync()
            if replaces {
                try sink.commit()
                XCTAssertEqual(try String(contentsOfFile: directory.file("f"), encoding: .utf8), "abc")
            } else {
                XCTAssertThrowsError(try sink.commit()) { XCTAssertEqual($0 as? SinkError, .exists(path: directory.file("f"))) }
                XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: directory.file("f")), outside.file("target"))
            }
            XCTAssertEqual(try String(contentsOfFile: outside.file("target"), encoding: .utf8), "untouched")
            XCTAssertEqual(TemporaryDirectory.listing(directory.path), ["f"])
        }
    }

    /// A part file is renamed to its final name only while that name is free, unless allowed.
    func testPartFilesTakeATakenNameOnlyWhenAllowed() throws {
        for replaces in [false, true] {
            let directory = TemporaryDirectory()
            try "theirs".write(toFile: directory.file("f"), atomically: false, encoding: .utf8)
            let size = memoryLimit + 10
            let (sink, sinkOffset) = try FileSinks.open(finalPath: directory.file("f"), expectedSize: size, replacesExisting: replaces)
            XCTAssertEqual(sinkOffset, 0)
            XCTAssertTrue([UInt8](repeating: 7, count: Int(size)).withUnsafeBytes { sink.write($0) })
            try sink.sync()
            if replaces {
                try sink.commit()
                XCTAssertEqual(FilePaths.fileSize(directory.file("f")), size)
                XCTAssertEqual(TemporaryDirectory.listing(directory.path), ["f"])
            } else {
                XCTAssertThrowsError(try sink.commit()) { XCTAssertEqual($0 as? SinkError, .exists(path: directory.file("f"))) }
                XCTAssertEqual(try String(contentsOfFile: directory.file("f"), encoding: .utf8), "theirs")
                XCTAssertEqual(TemporaryDirectory.listing(directory.path), ["f", "f.part"])
            }
        }
    }
}
