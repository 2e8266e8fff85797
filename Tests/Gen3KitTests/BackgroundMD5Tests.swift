@testable import Gen3Kit
import Digest
import TestSupport
import XCTest

final class BackgroundMD5Tests: XCTestCase {
    /// Chunks of every size, across many buffer hand-overs, hash as one stream does.
    func testMatchesTheStreamingDigest() {
        let total = BackgroundMD5.bufferSize * BackgroundMD5.bufferCount * 3 + 12_345
        let bytes = (0..<total).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
        let background = BackgroundMD5()
        var offset = 0
        var size = 1
        while offset < total {
            let end = min(total, offset + size)
            bytes[offset..<end].withUnsafeBytes { background.update($0) }
            offset = end
            size = size * 7 % 300_007 + 1
        }
        XCTAssertEqual(background.finalize(), MD5.hex(bytes))
    }

    func testEmptyAndDroppedStreams() {
        XCTAssertEqual(BackgroundMD5().finalize(), "d41d8cd98f00b204e9800998ecf8427e")
        // Dropped without finalize (a restarted transfer): its thread must end with it.
        for _ in 0..<20 {
            let dropped = BackgroundMD5()
            [UInt8](repeating: 1, count: BackgroundMD5.bufferSize + 1).withUnsafeBytes { dropped.update($0) }
        }
    }

    /// A part file large enough for background hashing still verifies, including a resumed prefix.
    func testLargeFileSinkHashesWhatItWrote() throws {
        let directory = TemporaryDirectory()
        let size = Int(FileSink.backgroundHashingThreshold) + 1000
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        let first = FileSink(finalPath: directory.file("big"), expectedSize: Int64(size))
        XCTAssertEqual(try first.open(), 0)
        XCTAssertTrue(bytes[0..<3_000_000].withUnsafeBytes { first.write($0) })
        first.close()
        let second = FileSink(finalPath: directory.file("big"), expectedSize: Int64(size))
        XCTAssertEqual(try second.open(), 3_000_000)
        XCTAssertTrue(bytes[3_000_000...].withUnsafeBytes { second.write($0) })
        XCTAssertEqual(second.md5(), MD5.hex(bytes))
    }
}
