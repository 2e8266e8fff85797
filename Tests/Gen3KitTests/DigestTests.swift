import Digest
import XCTest

/// Known answers for the OpenSSL-backed digests (RFC 1321 and RFC 4231 test vectors).
final class DigestTests: XCTestCase {
    func testMD5KnownAnswers() {
        XCTAssertEqual(MD5.hex([]), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(MD5.hex(Array("abc".utf8)), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(
            MD5.hex(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8)),
            "57edf4a22be3c955ac49da2e2107b67a")
    }

    /// Feeding a stream in pieces gives the same digest as all at once.
    func testMD5StreamsInPieces() {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let md5 = MD5()
        var offset = 0
        for size in [1, 63, 64, 65, 4096, 30_000] + Array(repeating: 7, count: 10) {
            let end = min(bytes.count, offset + size)
            bytes[offset..<end].withUnsafeBytes { md5.update($0) }
            offset = end
        }
        bytes[offset...].withUnsafeBytes { md5.update($0) }
        XCTAssertEqual(md5.finalize(), MD5.hex(bytes))
    }

    /// Many messages at once (eight to a vector) give each one's own digest: known answers, every
    /// length around the padding's block boundaries, lanes of different lengths side by side, and a
    /// count that leaves lanes idle.
    func testMD5OfManyMessagesAtOnce() {
        let known = MD5.hex(ofEach: [
            [], Array("abc".utf8),
            Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8),
        ])
        XCTAssertEqual(known, ["d41d8cd98f00b204e9800998ecf8427e", "900150983cd24fb0d6963f7d28e17f72", "57edf4a22be3c955ac49da2e2107b67a"])
        var state: UInt32 = 12345
        func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                state = state &* 1_103_515_245 &+ 12345
                return UInt8(truncatingIfNeeded: state >> 16)
            }
        }
        let lengths = Array(0...130) + [16_384, 16_383, 16_440, 70_000, 1, 100_000, 55, 56, 64]
        let messages = lengths.map(bytes)
        XCTAssertEqual(MD5.hex(ofEach: messages), messages.map(MD5.hex))
        XCTAssertEqual(MD5.hex(ofEach: Array(messages.suffix(5))), messages.suffix(5).map(MD5.hex))
        XCTAssertEqual(MD5.hex(ofEach: []), [])
    }

    func testHMACSHA256KnownAnswer() {
        let digest = HMACSHA256.digest(key: Array(repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        XCTAssertEqual(Hex.lowercase(digest), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }
}
