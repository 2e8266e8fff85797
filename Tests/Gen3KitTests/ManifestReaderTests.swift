import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class ManifestReaderTests: XCTestCase {
    let directory = TemporaryDirectory("manifest")

    func read(_ text: String, _ name: String = "m.json", format: ManifestFormat? = nil) throws -> [ManifestEntry] {
        try read(bytes: Array(text.utf8), name, format: format)
    }

    func read(bytes: [UInt8], _ name: String, format: ManifestFormat? = nil) throws -> [ManifestEntry] {
        let path = directory.file(name)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let reader = try openManifest(path: path, format: format)
        var entries: [ManifestEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    func assertError(
        _ text: String, _ name: String = "m.json", line: Int, contains reason: String,
        file: StaticString = #filePath, lineNumber: UInt = #line
    ) {
        XCTAssertThrowsError(try read(text, name), file: file, line: lineNumber) { error in
            guard let error = error as? ManifestError else { return XCTFail("\(error)", file: file, line: lineNumber) }
            XCTAssertEqual(error.line, line, error.localizedDescription, file: file, line: lineNumber)
            XCTAssertTrue(error.reason.contains(reason), error.localizedDescription, file: file, line: lineNumber)
        }
    }

    func testPortalJSONWithAliasesUnknownKeysAndEscapes() throws {
        let entries = try read(
            """
            \u{FEFF}[
              {"object_id": "dg.ABCD/1", "file_name": "a.bam", "file_size": 10, "md5sum": "D41D8CD98F00B204E9800998ECF8427E",
               "subject": {"nested": [1, {"deep": [true, null, -1.5e3]}]}, "tags": ["x", "y"]},
              {"guid": " drs://host.org/2 ", "filename": "b\\u00e9\\ud83d\\ude00.txt", "size": "20", "md5": null},
              {"did": "3", "file_name": null, "file_size": null}
            ]
            """)
        XCTAssertEqual(entries.map(\.guid), ["dg.ABCD/1", "drs://host.org/2", "3"])
        XCTAssertEqual(entries[0].md5, "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(entries[0].size, 10)
        XCTAssertEqual(entries[1].fileName, "bé😀.txt")
        XCTAssertEqual(entries[1].size, 20)
        XCTAssertNil(entries[2].fileName)
        XCTAssertEqual(entries.map(\.line), [2, 4, 5])
        XCTAssertEqual(try read("[]"), [])
        XCTAssertEqual(try read(" [ ] \n"), [])
    }

    func testJSONErrorsSayWhereAndWhy() {
        assertError("{\"object_id\": \"x\"}", line: 1, contains: "JSON array of objects")
        assertError("[\n{\"object_id\": 5}\n]", line: 2, contains: "must be a string")
        assertError("[\n{\"file_name\": \"a\"}\n]", line: 2, contains: "no guid")
        assertError("[\n{\"object_id\": \"a\", \"file_size\": -1}]", line: 2, contains: "negative")
        assertError("[\n{\"object_id\": \"a\", \"file_size\": 99999999999999999999}]", line: 2, contains: "too large")
        assertError("[\n{\"object_id\": \"a\", \"file_size\": 1.5}]", line: 2, contains: "whole number")
        assertError("[\n\n{\"object_id\": \"a\", \"md5sum\": \"xyz\"}]", line: 3, contains: "32 hex")
        assertError("[{\"object_id\": \"a\"}", line: 1, contains: "not closed")
        assertError("[{\"object_id\": \"a\"}] x", line: 1, contains: "after the end")
        assertError("[{\"object_id\": \"a", line: 1, contains: "inside a string")
        assertError("[{\"object_id\": \"a\"},]", line: 1, contains: "object")
        assertError("", line: 1, contains: "empty")
        assertError("[" + String(repeating: "[", count: 600), line: 1, contains: "object")
        assertError("[{\"object_id\": \"a\", \"x\": " + String(repeating: "[", count: 600) + "}]", line: 1, contains: "nested deeper")
    }

    func testInvalidUTF8IsAnError() {
        XCTAssertThrowsError(try read(bytes: Array("[{\"object_id\": \"a".utf8) + [0xff, 0xfe] + Array("\"}]".utf8), "bad.json")) {
            XCTAssertTrue(($0 as? ManifestError)?.reason.contains("UTF-8") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try read(bytes: Array("guid\n".utf8) + [0xc3, 0x28] + [0x0a], "bad.tsv"))
    }

    func testTruncatedAtEveryByteNeverCrashes() throws {
        let valid = Array(
            "[{\"object_id\": \"dg.X/1\", \"file_name\": \"a\\\"b\", \"file_size\": 12, \"md5sum\": \"d41d8cd98f00b204e9800998ecf8427e\", \"x\": [1, {\"y\": null}]}]"
                .utf8)
        for length in 0..<valid.count {
            do {
                _ = try read(bytes: Array(valid.prefix(length)), "cut.json")
                XCTFail("a manifest cut at \(length) bytes was accepted")
            } catch is ManifestError {}
        }
        XCTAssertEqual(try read(bytes: valid, "whole.json").count, 1)
    }

    func testAOneLineManifestOfManyEntries() throws {
        let body = (0..<20_000).map { "{\"object_id\": \"g\($0)\", \"file_size\": \($0)}" }.joined(separator: ",")
        let entries = try read("[" + body + "]")
        XCTAssertEqual(entries.count, 20_000)
        XCTAssertEqual(entries.last?.size, 19_999)
    }

    func testTSVAndCSV() throws {
        let tsv = try read("\u{FEFF}GUID\tFile_Name\tsize\tmd5\textra\r\ndg.X/1\ta b.txt\t5\t\t\r\n\r\n2\t\t\t\tignored\n", "m.tsv")
        XCTAssertEqual(
            tsv,
            [
                ManifestEntry(guid: "dg.X/1", fileName: "a b.txt", size: 5, line: 2),
                ManifestEntry(guid: "2", line: 4),
            ])
        let csv = try read("object_id,filename,file_size\n1,\"with, comma\",3\n2,\"with \"\"quotes\"\"\nand newline\",4\n3\n", "m.csv")
        XCTAssertEqual(csv.map(\.fileName), ["with, comma", "with \"quotes\"\nand newline", nil])
        XCTAssertEqual(csv.map(\.line), [2, 3, 5])
        XCTAssertEqual(try ManifestFormat.detect(path: directory.file("m.tsv")), .tsv)
    }

    /// A pipe without a telling name is not read to guess its format: what that took would be
    /// missing from the import. It names what to do instead; nothing is read from it.
    func testAPipeWithoutANamedFormatIsRefusedUnread() throws {
        let fifo = directory.file("piped")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Held open with a header in it, so that a detection that did read would not wait.
        let held = open(fifo, O_RDWR | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(held, 0)
        defer { close(held) }
        _ = "guid\tfile_name\n".withCString { write(held, $0, strlen($0)) }
        XCTAssertThrowsError(try ManifestFormat.detect(path: fifo)) { error in
            XCTAssertTrue("\(error.localizedDescription)".contains("give --format"), "\(error)")
        }
        XCTAssertEqual(try ManifestFormat.detect(path: directory.file("piped.json")), .json, "a name that says is enough")
    }

    func testDelimitedErrors() {
        assertError("file_name,size\na,1\n", "e1.csv", line: 1, contains: "no GUID column")
        assertError("guid,size\na,1,2\n", "e2.csv", line: 2, contains: "fields but the header has")
        assertError("guid,size\na,x\n", "e3.csv", line: 2, contains: "whole number")
        assertError("guid,size\n,1\n", "e4.csv", line: 2, contains: "empty")
        assertError("guid,file_name\na,\"open\n", "e5.csv", line: 2, contains: "inside a quoted field")
        assertError("guid\n" + String(repeating: "x", count: (1 << 20) + 10) + "\n", "e6.tsv", line: 2, contains: "longer than 1 MiB")
    }
}
