import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class JSONManifestReaderTests: XCTestCase {
    private var directory = URL(fileURLWithPath: "/nonexistent")
    private let md5 = "d41d8cd98f00b204e9800998ecf8427e"
    /// README: "manifest values and lines [are capped] at 1 MiB".
    private let oneMiB = 1 << 20

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gen3-json-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    private func makeFile(_ bytes: [UInt8], _ name: String = "m.json") -> String {
        let path = directory.appendingPathComponent(name).path
        XCTAssertNoThrow(try TestFiles.write(bytes, to: path))
        return path
    }

    private func read(bytes: [UInt8], _ name: String = "m.json", format: ManifestFormat? = nil) throws -> [ManifestEntry] {
        let reader = try openManifest(path: makeFile(bytes, name), format: format)
        var entries: [ManifestEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    private func read(_ text: String, _ name: String = "m.json", format: ManifestFormat? = nil) throws -> [ManifestEntry] {
        try read(bytes: Array(text.utf8), name, format: format)
    }

    private func assertError(
        _ text: String, at line: Int, column: Int? = nil, contains reason: String,
        file: StaticString = #filePath, line testLine: UInt = #line
    ) {
        assertError(bytes: Array(text.utf8), at: line, column: column, contains: reason, file: file, line: testLine)
    }

    private func assertError(
        bytes: [UInt8], at line: Int, column: Int? = nil, contains reason: String,
        file: StaticString = #filePath, line testLine: UInt = #line
    ) {
        XCTAssertThrowsError(try read(bytes: bytes), file: file, line: testLine) { error in
            guard let error = error as? ManifestError else { return XCTFail("not a ManifestError: \(error)", file: file, line: testLine) }
            XCTAssertEqual(error.line, line, error.localizedDescription, file: file, line: testLine)
            if let column { XCTAssertEqual(error.column, column, error.localizedDescription, file: file, line: testLine) }
            XCTAssertTrue(error.reason.contains(reason), "'\(error.reason)' lacks '\(reason)'", file: file, line: testLine)
        }
    }

    // MARK: - Accepted manifests

    func testKeyAliasesAndValueForms() throws {
        let entries = try read(
            """
            [
              {"object_id": "dg.ABCD/1", "file_name": "a.bam", "file_size": 10, "md5sum": "D41D8CD98F00B204E9800998ECF8427E"},
              {"guid": "  drs://host.org/2\\t", "filename": "b.txt", "size": "20", "md5": "\(md5)"},
              {"did": "3", "file_name": null, "file_size": null, "md5sum": null},
              {"object_id": "4", "file_name": "", "file_size": "", "md5sum": ""},
              {"object_id": "5", "size": " 7 ", "file_size": 0}
            ]
            """)
        XCTAssertEqual(
            entries,
            [
                ManifestEntry(guid: "dg.ABCD/1", fileName: "a.bam", size: 10, md5: md5, line: 2),
                ManifestEntry(guid: "drs://host.org/2", fileName: "b.txt", size: 20, md5: md5, line: 3),
                ManifestEntry(guid: "3", line: 4),
                ManifestEntry(guid: "4", line: 5),
                ManifestEntry(guid: "5", size: 0, line: 6),
            ])
    }

    func testByteOrderMarkAndCRLF() throws {
        let entries = try read("\u{FEFF}[\r\n  {\"object_id\": \"a\"},\r\n\r\n  {\"object_id\": \"b\"}\r\n]\r\n")
        XCTAssertEqual(entries.map(\.guid), ["a", "b"])
        XCTAssertEqual(entries.map(\.line), [2, 4])
    }

    func testEmptyArraysHoldNoEntries() throws {
        XCTAssertEqual(try read("[]"), [])
        XCTAssertEqual(try read(" \n\t[ \r\n ]\n\n"), [])
        XCTAssertEqual(try read("\u{FEFF}[]"), [])
    }

    func testUnknownKeysOfAnyShapeAreSkipped() throws {
        let nested = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        let entries = try read(
            """
            [{"project": {"id": "p1", "tags": ["a", {"deep": [true, false, null, -0.5e+10, 1E3, 0]}], "empty": {}, "none": []},
              "id": "not-a-guid", "object_id": "g1", "note": "esc \\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00",
              "nested": \(nested), "n": -12, "z": 0.0},
             {"a": {}, "b": [], "c": "", "object_id": "g2", "d": {"e": {"f": {"g": [[[]]]}}}}]
            """)
        XCTAssertEqual(entries, [ManifestEntry(guid: "g1", line: 1), ManifestEntry(guid: "g2", line: 4)])
    }

    func testStringsAreDecodedAndFileNamesKeptVerbatim() throws {
        let long = String(repeating: "n", count: 10_000)
        let entries = try read(
            """
            [{"object_id": "1", "file_name": "a\\u0000b\\n../x\\u00e9\\ud83d\\ude00é\\"\\\\"},
             {"object_id": "2", "file_name": "\(long)"},
             {"object_id": "3", "file_name": "../../etc/passwd"}]
            """)
        XCTAssertEqual(entries.map(\.fileName), ["a\u{0}b\n../xé😀é\"\\", long, "../../etc/passwd"])
    }

    func testARepeatedKeyKeepsItsLastValue() throws {
        let entries = try read(#"[{"object_id": "a", "guid": "b", "file_size": 1, "size": 2}]"#)
        XCTAssertEqual(entries, [ManifestEntry(guid: "b", size: 2, line: 1)])
    }

    func testLargestSizeIsAccepted() throws {
        let entries = try read(
            #"[{"object_id": "a", "file_size": 9223372036854775807}, {"object_id": "b", "size": "9223372036854775807"}]"#)
        XCTAssertEqual(entries.map(\.size), [Int64.max, Int64.max])
    }

    func testManyEntriesOnOneLine() throws {
        let body = (0..<20_000).map { "{\"object_id\": \"dg.X/\($0)\", \"file_name\": \"f\($0)\", \"file_size\": \($0)}" }
        let entries = try read("[" + body.joined(separator: ",") + "]")
        XCTAssertEqual(entries.count, 20_000)
        XCTAssertEqual(entries.last, ManifestEntry(guid: "dg.X/19999", fileName: "f19999", size: 19_999, line: 1))
        XCTAssertTrue(entries.allSatisfy { $0.line == 1 })
        // Columns keep counting along a long line.
        let text = "[" + body.joined(separator: ",") + "] x"
        assertError(text, at: 1, column: text.utf8.count, contains: "after the end of the array")
    }

    func testTokensSplitAcrossTheBufferBoundary() throws {
        let tail =
            #"", "object_id": "g", "file_name": "é\u00e9\ud83d\ude00\"x😀", "file_size": 12345, "ok": [true, false, null, -1.5e3], "md5sum": null, "f": "\u0041"}]"#
        let expected = ManifestEntry(guid: "g", fileName: "éé😀\"x😀", size: 12345, line: 1)
        let prefix = #"[{"pad": ""#
        // Move every byte of the tail across the 64 KiB boundary in turn.
        for padding in (ByteStream.capacity - tail.utf8.count - prefix.utf8.count - 2)...(ByteStream.capacity - prefix.utf8.count + 1) {
            let text = prefix + String(repeating: "x", count: padding) + tail
            XCTAssertEqual(try read(text), [expected], "padding \(padding)")
        }
    }

    func testAManifestLargerThanTheBufferManyTimesOver() throws {
        let count = 5_000
        let text =
            "[\n"
            + (0..<count).map {
                "  {\"object_id\": \"dg.X/\($0)\", \"md5sum\": \"\(md5)\", \"extra\": {\"a\": [1, 2, \"\(String(repeating: "y", count: $0 % 300))\"]}}"
            }
            .joined(separator: ",\n") + "\n]\n"
        XCTAssertGreaterThan(text.utf8.count, 8 * ByteStream.capacity)
        let entries = try read(text)
        XCTAssertEqual(entries.count, count)
        XCTAssertEqual(entries.map(\.line), Array(2..<(count + 2)))
        XCTAssertEqual(entries.last?.guid, "dg.X/\(count - 1)")
    }

    func testLimitsThatAreNotExceeded() throws {
        let name = String(repeating: "a", count: oneMiB)
        XCTAssertEqual(
            try read("[{\"object_id\": \"a\", \"file_name\": \"\(name)\"}]").first?.fileName?.utf8.count, oneMiB)
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertEqual(try read("[{\"x\": \(deepest), \"object_id\": \"a\"}]").count, 1)
    }

    // MARK: - Errors

    func testStructureErrorsSayWhere() {
        assertError("", at: 1, column: 1, contains: "the file is empty")
        assertError(" \n \n", at: 3, column: 1, contains: "the file is empty")
        assertError("{\"object_id\": \"x\"}", at: 1, column: 1, contains: "a Gen3 manifest is a JSON array of objects")
        assertError("\"x\"", at: 1, column: 1, contains: "a Gen3 manifest is a JSON array of objects")
        assertError(
            "[\n  {\"object_id\": \"a\"}\n  {\"object_id\": \"b\"}\n]", at: 3, column: 3,
            contains: "expected ',' or ']' after an array element")
        assertError("[{\"object_id\": \"a\"},]", at: 1, column: 21, contains: "trailing comma")
        assertError("[{\"object_id\": \"a\"}", at: 1, column: 20, contains: "not closed with ']'")
        assertError("[{\"object_id\": \"a\"}] x", at: 1, column: 22, contains: "after the end of the array")
        assertError("[{\"object_id\": \"a\"}][]", at: 1, column: 21, contains: "after the end of the array")
        assertError("[\n[{\"object_id\": \"a\"}]]", at: 2, column: 1, contains: "must be a JSON object, found an array")
        assertError("[\"a\"]", at: 1, column: 2, contains: "must be a JSON object, found a string")
        assertError("[{object_id: \"a\"}]", at: 1, column: 3, contains: "expected a key in double quotes")
        assertError("[{\"object_id\" \"a\"}]", at: 1, column: 15, contains: "expected ':' after a key")
        assertError("[{\"object_id\": \"a\" \"x\": 1}]", at: 1, column: 20, contains: "expected ',' or '}'")
        assertError("[{\"object_id\": \"a\", \"x\": [1 2]}]", at: 1, column: 29, contains: "expected ',' or ']'")
        assertError("[{\"object_id\": \"a\", \"x\": {\"k\" 1}}]", at: 1, column: 31, contains: "expected ':' after a key")
        assertError("[{\"object_id\": \"a\", \"x\": tru}]", at: 1, column: 26, contains: "expected true")
        assertError("[{\"object_id\": \"a\", \"x\": nil}]", at: 1, column: 26, contains: "expected null")
        assertError("[{\"object_id\": \"a\", \"x\": 'y'}]", at: 1, column: 26, contains: "where a value should be")
    }

    func testMissingOrUnusableGUIDs() {
        assertError("[\n{\"file_name\": \"a\"}\n]", at: 2, column: 1, contains: "no guid")
        assertError("[\n  {\"id\": \"a\"}\n]", at: 2, column: 3, contains: "\"id\" is not read as a GUID")
        assertError("[{}]", at: 1, column: 2, contains: "no guid")
        assertError("[{\"object_id\": \"  \"}]", at: 1, column: 16, contains: "empty")
        assertError("[{\"object_id\": \"a\\u0000b\"}]", at: 1, column: 16, contains: "control character")
        assertError("[{\"guid\": null}]", at: 1, column: 11, contains: "\"guid\" must be a string, not null")
    }

    func testWrongTypesForKnownKeys() {
        assertError("[\n{\"object_id\": 5}\n]", at: 2, column: 15, contains: "\"object_id\" must be a string, not a number")
        assertError("[{\"did\": [\"a\"]}]", at: 1, column: 10, contains: "\"did\" must be a string, not an array")
        assertError(
            "[{\"object_id\": \"a\", \"file_name\": 5}]", at: 1, column: 34, contains: "\"file_name\" must be a string, not a number")
        assertError("[{\"object_id\": \"a\", \"filename\": {}}]", at: 1, column: 33, contains: "not an object")
        assertError(
            "[{\"object_id\": \"a\", \"file_size\": true}]", at: 1, column: 34,
            contains: "\"file_size\" must be a whole number of bytes, not a boolean")
        assertError("[{\"object_id\": \"a\", \"md5sum\": 5}]", at: 1, column: 31, contains: "\"md5sum\" must be a string of 32 hex digits")
    }

    func testBadSizesAndSums() {
        assertError("[\n{\"object_id\": \"a\", \"file_size\": -1}]", at: 2, column: 33, contains: "file_size '-1' is negative")
        assertError("[\n{\"object_id\": \"a\", \"file_size\": 1.5}]", at: 2, contains: "file_size '1.5' is not a whole number of bytes")
        assertError("[\n{\"object_id\": \"a\", \"file_size\": 1e3}]", at: 2, contains: "not a whole number of bytes")
        assertError("[\n{\"object_id\": \"a\", \"file_size\": 9223372036854775808}]", at: 2, contains: "too large")
        assertError("[\n{\"object_id\": \"a\", \"size\": 99999999999999999999999999999999}]", at: 2, contains: "too large")
        assertError("[\n{\"object_id\": \"a\", \"size\": \"99999999999999999999\"}]", at: 2, contains: "too large")
        assertError("[\n{\"object_id\": \"a\", \"size\": \"abc\"}]", at: 2, contains: "size 'abc' is not a whole number of bytes")
        assertError("[\n{\"object_id\": \"a\", \"size\": \"-5\"}]", at: 2, contains: "negative")
        assertError("[\n{\"object_id\": \"a\", \"size\": \"1,024\"}]", at: 2, contains: "not a whole number")
        assertError("[\n{\"object_id\": \"a\", \"size\": 007}]", at: 2, contains: "leading zero")
        assertError(
            "[\n\n{\"object_id\": \"a\", \"md5sum\": \"xyz\"}]", at: 3, column: 30,
            contains: "md5sum 'xyz' is not an MD5 sum: expected 32 hex digits")
        assertError("[{\"object_id\": \"a\", \"md5\": \"\(md5.dropLast())g\"}]", at: 1, contains: "32 hex digits")
        assertError("[{\"object_id\": \"a\", \"md5\": \"\(md5)0\"}]", at: 1, contains: "32 hex digits")
    }

    func testAValueErrorInAMultiLineEntryNamesTheEntry() {
        assertError(
            "[\n  {\n    \"object_id\": \"a\",\n    \"md5sum\": \"nope\"\n  }\n]", at: 4, column: 15,
            contains: "(in the entry that starts on line 2)")
    }

    func testTruncatedInput() {
        assertError("[{\"object_id\": \"a", at: 1, column: 16, contains: "unexpected end of file inside a string")
        assertError("[{\"object_id\": \"a\", \"x\": {\"y\": [1", at: 1, contains: "unexpected end of file inside a value")
        assertError("[{\"object_id\": \"a\", \"file_size\": 12", at: 1, contains: "unexpected end of file inside an object")
        assertError("[{\"object_id\": \"a\", \"x\": -", at: 1, contains: "unexpected end of file inside a number")
        assertError("[{\"object_id\": \"a\", \"x\": nu", at: 1, contains: "unexpected end of file inside null")
        assertError("[{\"object_id\": \"a\\u00", at: 1, contains: "unexpected end of file inside a string")
        assertError("[{\"object_id\": \"a\\ud83d", at: 1, contains: "unexpected end of file inside a string")
        assertError("[{\"object_id\":", at: 1, contains: "unexpected end of file")
        assertError("[", at: 1, contains: "unexpected end of file")
    }

    func testTruncatedAtEveryByteFailsCleanly() throws {
        let valid = Array(
            """
            \u{FEFF}[{"object_id": "dg.X/1", "file_name": "a\\"bé\\u00e9\\ud83d\\ude00", "file_size": 12, "md5sum": "\(md5)",
              "x": [1, -2.5e-3, {"y": null, "z": [true, false]}]}, {"guid": "2", "size": "7"}]
            """.utf8)
        XCTAssertEqual(try read(bytes: valid).count, 2)
        for length in 0..<valid.count {
            do {
                let entries = try read(bytes: Array(valid.prefix(length)), "cut\(length % 4).json", format: .json)
                XCTFail("a manifest cut to \(length) bytes was accepted with \(entries.count) entries")
            } catch let error as ManifestError {
                XCTAssertGreaterThanOrEqual(error.line, 1)
                XCTAssertFalse(error.reason.isEmpty)
            }
        }
    }

    func testInvalidUTF8SaysWhere() {
        let start = Array("[{\"object_id\": \"a".utf8)
        assertError(bytes: start + [0xff] + Array("\"}]".utf8), at: 1, column: 18, contains: "invalid UTF-8 (byte 0xFF")
        assertError(bytes: start + [0xc0, 0x80] + Array("\"}]".utf8), at: 1, column: 18, contains: "invalid UTF-8")
        assertError(bytes: start + [0xed, 0xa0, 0x80] + Array("\"}]".utf8), at: 1, column: 19, contains: "invalid UTF-8")
        assertError(bytes: start + [0xe2, 0x82] + Array("\"}]".utf8), at: 1, column: 20, contains: "invalid UTF-8")
        assertError(bytes: start + [0xf4, 0x90, 0x80, 0x80] + Array("\"}]".utf8), at: 1, column: 19, contains: "invalid UTF-8")
        assertError(
            bytes: Array("[\n{\"object_id\": \"a\", \"other\": \"".utf8) + [0x80] + Array("\"}]".utf8), at: 2, column: 30,
            contains: "invalid UTF-8")
        assertError(bytes: Array("[{\"".utf8) + [0xfe] + Array("\": 1}]".utf8), at: 1, column: 4, contains: "invalid UTF-8")
        assertError(bytes: Array("[".utf8) + [0xc3, 0xa9] + Array("]".utf8), at: 1, column: 2, contains: "must be a JSON object")
    }

    func testBadStringContents() {
        assertError("[{\"object_id\": \"a\nb\"}]", at: 1, column: 18, contains: "a line break inside a string")
        assertError("[{\"object_id\": \"a\tb\"}]", at: 1, column: 18, contains: "raw control character")
        assertError("[{\"object_id\": \"a\\xb\"}]", at: 1, column: 18, contains: "invalid escape \\x")
        assertError("[{\"object_id\": \"a\\u12G4\"}]", at: 1, column: 18, contains: "invalid \\u escape")
        assertError("[{\"object_id\": \"a\\ud83dx\"}]", at: 1, column: 18, contains: "unpaired surrogate")
        assertError("[{\"object_id\": \"a\\ud83d\\u0041\"}]", at: 1, column: 18, contains: "unpaired surrogate")
        assertError("[{\"object_id\": \"a\\ude00\"}]", at: 1, column: 18, contains: "unpaired surrogate")
    }

    func testMalformedNumbersInSkippedValues() {
        for (number, reason) in [
            ("01", "leading zero"), ("1.", "no digits after '.'"), ("-x", "'-' not followed by a digit"),
            ("1e", "no digits in its exponent"), ("1e+", "no digits in its exponent"), ("+1", "where a value should be"),
            (".5", "where a value should be"), ("1.5.2", "expected ',' or '}'"), ("0x10", "expected ',' or '}'"),
        ] {
            assertError("[{\"object_id\": \"a\", \"x\": \(number)}]", at: 1, contains: reason)
        }
        assertError("[{\"object_id\": \"a\", \"x\": \(String(repeating: "1", count: 2000))}]", at: 1, contains: "longer than 1024")
    }

    func testLimitsOnStringsAndNesting() {
        let huge = String(repeating: "a", count: oneMiB + 1)
        assertError("[\n{\"object_id\": \"a\", \"file_name\": \"\(huge)\"}]", at: 2, column: 33, contains: "a string longer than 1 MiB")
        assertError("[{\"object_id\": \"a\", \"skipped\": \"\(huge)\"}]", at: 1, contains: "a string longer than 1 MiB")
        assertError("[{\"\(huge)\": 1}]", at: 1, column: 3, contains: "a string longer than 1 MiB")
        let escaped = String(repeating: "\\n", count: oneMiB / 2 + 1)
        assertError("[{\"object_id\": \"a\", \"file_name\": \"\(escaped)\"}]", at: 1, contains: "a string longer than 1 MiB")
        let deep = String(repeating: "[", count: 512 + 1)
        assertError("[{\"object_id\": \"a\", \"x\": \(deep)}]", at: 1, contains: "nested deeper than 512 levels")
        let deepObjects = String(repeating: "{\"k\": ", count: 100_000)
        assertError("[{\"object_id\": \"a\", \"x\": \(deepObjects)}]", at: 1, contains: "nested deeper than 512 levels")
        assertError("[" + String(repeating: "[", count: 100_000), at: 1, column: 2, contains: "must be a JSON object")
    }

    func testAnErrorRepeatsAndTheEndStaysTheEnd() throws {
        let reader = try openManifest(path: makeFile(Array("[{\"object_id\": \"a\"} {\"object_id\": \"b\"}]".utf8)), format: .json)
        XCTAssertEqual(try reader.next()?.guid, "a")
        var first: ManifestError?
        XCTAssertThrowsError(try reader.next()) { first = $0 as? ManifestError }
        XCTAssertNotNil(first)
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual($0 as? ManifestError, first) }

        let done = try openManifest(path: makeFile(Array("[]".utf8), "done.json"))
        XCTAssertNil(try done.next())
        XCTAssertNil(try done.next())
    }

    // MARK: - Files, formats and messages

    func testFilesThatCannotBeRead() {
        let missing = directory.appendingPathComponent("missing.json").path
        XCTAssertThrowsError(try openManifest(path: missing)) { error in
            let error = error as? ManifestError
            XCTAssertEqual(error?.line, 0)
            XCTAssertEqual(error?.errorDescription?.hasPrefix("\(missing): cannot open the manifest"), true, "\(String(describing: error))")
        }
        XCTAssertThrowsError(try openManifest(path: directory.path, format: .json).next()) { error in
            XCTAssertTrue((error as? ManifestError)?.reason.contains("cannot read") ?? false, "\(error)")
        }
    }

    func testErrorDescriptions() {
        XCTAssertEqual(
            ManifestError(path: "files.json", line: 3, column: 17, reason: "expected ',' or ']' after an array element").errorDescription,
            "files.json:3:17: expected ',' or ']' after an array element")
        XCTAssertEqual(
            ManifestError(path: "files.tsv", line: 12, reason: "size 'abc' is not a whole number of bytes").localizedDescription,
            "files.tsv:12: size 'abc' is not a whole number of bytes")
        XCTAssertEqual(
            ManifestError(path: "x.csv", line: 0, reason: "cannot open the manifest").errorDescription, "x.csv: cannot open the manifest")
    }

    func testFormatDetection() throws {
        let json = Array("[{\"object_id\": \"a\"}]".utf8)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(Array("guid\n".utf8), "by-name.JSON")), .json)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(json, "by-name.tsv")), .tsv)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(json, "by-name.Csv")), .csv)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(json, "manifest")), .json)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile([0xef, 0xbb, 0xbf] + Array(" \r\n\t[]".utf8), "bom")), .json)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(Array("{\"object_id\": \"a\"}".utf8), "object")), .json)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(Array("guid\tsize\n1\t2\n".utf8), "table.txt")), .tsv)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(Array("\n\n guid,size\n1\t2\n".utf8), "table2.txt")), .csv)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile(Array("\t\n\nguid\tsize".utf8), "table3")), .tsv)
        XCTAssertEqual(try ManifestFormat.detect(path: makeFile([], "empty")), .csv)
        XCTAssertEqual(try read(bytes: json, "json.txt"), [ManifestEntry(guid: "a", line: 1)])
        XCTAssertEqual(try read(bytes: json, "forced.csv", format: .json), [ManifestEntry(guid: "a", line: 1)])
    }
}
