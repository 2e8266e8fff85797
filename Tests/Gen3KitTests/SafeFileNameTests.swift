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
            XCTAssertLessThanOrEqual(safe.utf8.count, 200, name)
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

    // MARK: - README's promises, stated with README's numbers

    /// Unicode's Bidi_Control characters: each can make a name read differently from what it is.
    private static let bidi: [Unicode.Scalar] = [
        "\u{061c}", "\u{200e}", "\u{200f}", "\u{202a}", "\u{202b}", "\u{202c}", "\u{202d}", "\u{202e}", "\u{2066}", "\u{2067}",
        "\u{2068}", "\u{2069}",
    ]

    /// C0 controls, DEL and the C1 controls.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value)
    }

    /// README: "a plain name directly inside the download path: no separators, no `.`/`..`, no
    /// control or bidi characters, no leading dot, at most 200 bytes, never ending in `.part`".
    private func assertSafe(_ safe: String, from name: String, file: StaticString = #filePath, line: UInt = #line) {
        let shown = name.unicodeScalars.map { $0.isASCII && !Self.isControl($0) ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
            .joined()
        XCTAssertLessThanOrEqual(safe.utf8.count, 200, "longer than 200 bytes: from \(shown.prefix(80))", file: file, line: line)
        XCTAssertFalse(safe.contains("/") || safe.contains("\\"), "a separator: from \(shown)", file: file, line: line)
        XCTAssertFalse(safe.hasPrefix("."), "a leading dot: from \(shown)", file: file, line: line)
        XCTAssertFalse(safe.hasSuffix(".part"), "ends in .part: from \(shown.suffix(80))", file: file, line: line)
        XCTAssertFalse(safe.unicodeScalars.contains(where: Self.isControl), "a control character: from \(shown)", file: file, line: line)
        XCTAssertFalse(safe.unicodeScalars.contains { Self.bidi.contains($0) }, "a bidi character: from \(shown)", file: file, line: line)
    }

    func testNoControlBidiOrPartSuffixSurvivesInAnyFormat() {
        var names: [String] = []
        for scalar in Self.bidi + [
            Unicode.Scalar(0x7f)!, Unicode.Scalar(0x85)!, Unicode.Scalar(0x9b)!, Unicode.Scalar(0x9f)!, "\u{1}", "\n",
        ] {
            names += ["evil\(scalar)gpj.exe", "\(scalar)", "\(scalar)leading.txt", "trailing.txt\(scalar)", "a\(scalar)b.part"]
        }
        names += ["name.part", "name.part ", " name.part", ".part", "x/.part", "x.part\u{0}", "x.part\u{202e}"]
        // 200 bytes ending in .part; and longer names whose first 200 bytes end in .part.
        names += [
            String(repeating: "a", count: 195) + ".part", String(repeating: "a", count: 195) + ".partial.bam",
            String(repeating: "é", count: 97) + "a.part", String(repeating: "é", count: 97) + ".part" + "x",
            String(repeating: "b", count: 300), String(repeating: "\u{1F600}", count: 80) + ".vcf.gz",
        ]
        for name in names {
            if let safe = SafeFileName.sanitize(name) { assertSafe(safe, from: name) }
            for format in [FilenameFormat.original, .combined, .guid] {
                for guid in ["dg.TEST/\(name)", "dg.TEST/" + String(repeating: "g", count: 250)] {
                    guard let safe = SafeFileName.destinationName(guid: guid, fileName: name, format: format) else { continue }
                    assertSafe(safe, from: "\(format): \(name)")
                    for n in [1, 999] { assertSafe(SafeFileName.numbered(safe, n), from: "numbered \(n): \(name)") }
                }
            }
        }
    }

    /// A plain ASCII name of exactly 200 bytes is kept as it is; at 201 it is cut to 200.
    func testTheLimitIsTwoHundredBytes() {
        let exactly = String(repeating: "n", count: 196) + ".bam"
        XCTAssertEqual(SafeFileName.sanitize(exactly), exactly)
        let over = String(repeating: "n", count: 197) + ".bam"
        XCTAssertEqual(SafeFileName.sanitize(over)?.utf8.count, 200)
    }
}
