import XCTest

@testable import Gen3Kit

final class SafeFileNameTests: XCTestCase {
    func testHostileNamesStayPlainFileNames() {
        let hostile = [
            "../../.bashrc", "/etc/passwd", "a/../../b", "a\u{0}b", "..", ".", "", "   ", "x\\..\\y", "\u{1}\u{2}",
            String(repeating: "é", count: 5000) + ".bam", "evil\u{202e}gpj.exe", "name.part",
        ]
        for name in hostile {
            guard let safe = SafeFileName.sanitize(name) else { continue }
            XCTAssertFalse(safe.contains("/") || safe.contains("\\") || safe.contains("\u{0}"), safe)
            XCTAssertFalse(safe.hasPrefix("."), safe)
            XCTAssertLessThanOrEqual(safe.utf8.count, SafeFileName.maxBytes, name)
            XCTAssertFalse(safe.hasSuffix(".part"), safe)
            XCTAssertFalse(safe.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202e }, safe)
        }
        XCTAssertEqual(SafeFileName.sanitize("../../.bashrc"), "_bashrc")
        XCTAssertEqual(SafeFileName.sanitize("/etc/passwd"), "passwd")
        XCTAssertNil(SafeFileName.sanitize(".."))
        XCTAssertNil(SafeFileName.sanitize(""))
        XCTAssertTrue(SafeFileName.sanitize(String(repeating: "é", count: 5000) + ".bam")!.hasSuffix("é"))
    }

    func testFormatsAndNumbering() {
        XCTAssertEqual(SafeFileName.destinationName(guid: "dg.ABCD/123", fileName: "a.bam", format: .original), "a.bam")
        XCTAssertEqual(SafeFileName.destinationName(guid: "dg.ABCD/123", fileName: "a.bam", format: .guid), "123")
        XCTAssertEqual(SafeFileName.destinationName(guid: "dg.ABCD/123", fileName: "r.vcf.gz", format: .combined), "r_123.vcf.gz")
        XCTAssertEqual(SafeFileName.destinationName(guid: "dg.ABCD/123", fileName: "..", format: .original), "123")
        XCTAssertNil(SafeFileName.destinationName(guid: "dg.ABCD/123", fileName: nil, format: .original))
        XCTAssertEqual(SafeFileName.numbered("data.tar.gz", 2), "data_2.tar.gz")
        XCTAssertEqual(SafeFileName.numbered("README", 1), "README_1")
    }
}
