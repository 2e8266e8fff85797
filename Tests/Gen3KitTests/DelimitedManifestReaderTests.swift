import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class DelimitedManifestReaderTests: XCTestCase {
    private var directory = URL(fileURLWithPath: "/nonexistent")
    private let md5 = "d41d8cd98f00b204e9800998ecf8427e"
    /// README: "manifest values and lines [are capped] at 1 MiB".
    private let oneMiB = 1 << 20

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gen3-delimited-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    private func makeFile(_ bytes: [UInt8], _ name: String) -> String {
        let path = directory.appendingPathComponent(name).path
        XCTAssertNoThrow(try TestFiles.write(bytes, to: path))
        return path
    }

    private func read(bytes: [UInt8], _ name: String, format: ManifestFormat? = nil) throws -> [ManifestEntry] {
        let reader = try openManifest(path: makeFile(bytes, name), format: format)
        var entries: [ManifestEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    private func read(_ text: String, _ name: String, format: ManifestFormat? = nil) throws -> [ManifestEntry] {
        try read(bytes: Array(text.utf8), name, format: format)
    }

    private func assertError(
        _ text: String, _ name: String, at line: Int, column: Int? = nil, contains reason: String,
        file: StaticString = #filePath, line testLine: UInt = #line
    ) {
        assertError(bytes: Array(text.utf8), name, at: line, column: column, contains: reason, file: file, line: testLine)
    }

    private func assertError(
        bytes: [UInt8], _ name: String, at line: Int, column: Int? = nil, contains reason: String,
        file: StaticString = #filePath, line testLine: UInt = #line
    ) {
        XCTAssertThrowsError(try read(bytes: bytes, name), file: file, line: testLine) { error in
            guard let error = error as? ManifestError else { return XCTFail("not a ManifestError: \(error)", file: file, line: testLine) }
            XCTAssertEqual(error.line, line, error.localizedDescription, file: file, line: testLine)
            XCTAssertEqual(error.column, column, error.localizedDescription, file: file, line: testLine)
            XCTAssertTrue(error.reason.contains(reason), "'\(error.reason)' lacks '\(reason)'", file: file, line: testLine)
        }
    }

    // MARK: - TSV

    func testTSVHeaderAliasesCaseAndWhitespace() throws {
        let entries = try read(
            """
            \u{FEFF} GUID \tFile_Name\tFILE_SIZE\tMD5SUM\tproject
            dg.X/1\ta b.txt\t5\t\(md5.uppercased())\tP1
             drs://host/2 \t  spaced name  \t 7 \t\t
            3
            """, "m.tsv")
        XCTAssertEqual(
            entries,
            [
                ManifestEntry(guid: "dg.X/1", fileName: "a b.txt", size: 5, md5: md5, line: 2),
                ManifestEntry(guid: "drs://host/2", fileName: "  spaced name  ", size: 7, line: 3),
                ManifestEntry(guid: "3", line: 4),
            ])
        for (header, name) in [("object_id", "a.tsv"), ("did", "b.tsv"), ("guid\tfilename\tsize\tmd5", "c.tsv")] {
            XCTAssertEqual(try read("\(header)\nx\n", name).map(\.guid), ["x"], header)
        }
    }

    /// The manifest the GDC portal exports: `id  filename  md5  size  state`, read as it is.
    func testGDCManifestsImportAsTheyAre() throws {
        let entries = try read(
            """
            id\tfilename\tmd5\tsize\tstate
            0a1b2c3d-0000-4000-8000-000000000001\tsample.bam\t\(md5)\t1234\treleased
            """, "gdc_manifest.txt", format: .tsv)
        XCTAssertEqual(
            entries, [ManifestEntry(guid: "0a1b2c3d-0000-4000-8000-000000000001", fileName: "sample.bam", size: 1234, md5: md5, line: 2)])
    }

    func testTSVSplitsOnTabsOnly() throws {
        let entries = try read("guid\tfile_name\n\"a,b\"\t\"quoted, name\"\n", "m.tsv")
        XCTAssertEqual(entries, [ManifestEntry(guid: "\"a,b\"", fileName: "\"quoted, name\"", line: 2)])
    }

    func testCRLFBlankLinesAndFewerFields() throws {
        let entries = try read("\r\n\r\nguid\tfile_name\tsize\r\n\r\na\tx\t1\r\n   \r\n\t\t\r\nb\r\nc\ty\r\n\r\n", "m.tsv")
        XCTAssertEqual(
            entries,
            [
                ManifestEntry(guid: "a", fileName: "x", size: 1, line: 5),
                ManifestEntry(guid: "b", line: 8),
                ManifestEntry(guid: "c", fileName: "y", line: 9),
            ])
    }

    func testHeaderOnlyMeansNoEntries() throws {
        XCTAssertEqual(try read("guid\tsize\n", "m.tsv"), [])
        XCTAssertEqual(try read("guid,size", "m.csv"), [])
    }

    // MARK: - CSV

    func testCSVAliasesAndRFC4180Quoting() throws {
        let entries = try read(
            """
            object_id,filename,file_size,md5
            1,"with, comma",3,\(md5)
            2,"with ""quotes""
            and a newline",4,
            " 3 ",,"5",""
            4,"",,
            5,plain "inner" quotes,,
            6,"crlf\r\ninside",,
            """, "m.csv")
        XCTAssertEqual(
            entries,
            [
                ManifestEntry(guid: "1", fileName: "with, comma", size: 3, md5: md5, line: 2),
                ManifestEntry(guid: "2", fileName: "with \"quotes\"\nand a newline", size: 4, line: 3),
                ManifestEntry(guid: "3", size: 5, line: 5),
                ManifestEntry(guid: "4", line: 6),
                ManifestEntry(guid: "5", fileName: "plain \"inner\" quotes", line: 7),
                ManifestEntry(guid: "6", fileName: "crlf\r\ninside", line: 8),
            ])
    }

    func testCSVWithBOMCRLFAndBlankRows() throws {
        let entries = try read("\u{FEFF}guid,size\r\n\r\na,1\r\n,,\r\n\"\",\"\"\r\nb,2", "m.csv")
        XCTAssertEqual(entries, [ManifestEntry(guid: "a", size: 1, line: 3), ManifestEntry(guid: "b", size: 2, line: 6)])
    }

    func testValuesAreDecodedAsUTF8() throws {
        let entries = try read("guid,file_name\ndg.X/é,名前 😀.txt\n", "m.csv")
        XCTAssertEqual(entries, [ManifestEntry(guid: "dg.X/é", fileName: "名前 😀.txt", line: 2)])
    }

    func testFieldsSplitAcrossTheBufferBoundary() throws {
        let expected = ManifestEntry(guid: "g", fileName: "é,\"😀\"\nx", size: 12345, md5: md5, line: 2)
        let tail = "\ng,\"é,\"\"😀\"\"\nx\",12345,\(md5)\r\n"
        let header = "guid,file_name,size,md5,pad\n"
        for padding in (ByteStream.capacity - header.utf8.count - tail.utf8.count - 2)...(ByteStream.capacity - header.utf8.count + 1) {
            let text = header + "pad," + ",,," + String(repeating: "x", count: padding) + tail
            let entries = try read(text, "boundary.csv")
            XCTAssertEqual(entries.count, 2, "padding \(padding)")
            XCTAssertEqual(
                entries.last.map { ManifestEntry(guid: $0.guid, fileName: $0.fileName, size: $0.size, md5: $0.md5, line: 2) },
                expected, "padding \(padding)")
            XCTAssertEqual(entries.last?.line, 3, "padding \(padding)")
        }
    }

    func testALineJustUnderTheLimit() throws {
        let name = String(repeating: "n", count: oneMiB - 3)
        XCTAssertEqual(try read("guid\tfile_name\na\t\(name)\n", "m.tsv").first?.fileName, name)
    }

    // MARK: - Errors

    func testHeaderErrors() {
        assertError("", "e.tsv", at: 1, contains: "the file is empty")
        assertError("\n\n", "e.csv", at: 1, contains: "the file is empty")
        assertError(
            "file_name,size\na,1\n", "e.csv", at: 1,
            contains: "no GUID column: name the column of GUIDs guid, object_id, did or (in a GDC manifest) id")
        assertError("uuid\tfile_name\n", "e.tsv", at: 1, contains: "(the header has 'uuid', 'file_name')")
        assertError("\nguid,object_id\na,a\n", "e.csv", at: 2, contains: "columns 1 ('guid') and 2 ('object_id') both give the guid")
    }

    func testRowErrorsNameTheirLine() {
        assertError(
            "guid,size\na,1\na,1,2\n", "e.csv", at: 3,
            contains: "3 fields but the header has 2 columns (quote a field that contains a comma)")
        assertError("guid\tsize\n\na\t1\tx\ty\n", "e.tsv", at: 3, contains: "4 fields but the header has 2 columns")
        assertError("guid,size\n,1\n", "e.csv", at: 2, contains: "the guid is empty")
        assertError("size,object_id\n1\n", "e.csv", at: 2, contains: "the object_id is empty: this row has 1 of the header's 2 fields")
        assertError("guid\nab\u{7}\n", "e.tsv", at: 2, contains: "control character")
        assertError("guid\tsize\na\t1\nb\tabc\n", "files.tsv", at: 3, contains: "size 'abc' is not a whole number of bytes")
        assertError("guid\tFile_Size\na\t-3\n", "e.tsv", at: 2, contains: "File_Size '-3' is negative")
        assertError("guid\tsize\na\t1.5\n", "e.tsv", at: 2, contains: "not a whole number of bytes")
        assertError("guid\tsize\na\t9223372036854775808\n", "e.tsv", at: 2, contains: "too large")
        assertError(
            "guid\tmd5sum\na\tnot-a-sum\n", "e.tsv", at: 2, contains: "md5sum 'not-a-sum' is not an MD5 sum: expected 32 hex digits")
    }

    func testQuotingErrors() {
        assertError(
            "guid,file_name\na,\"open\nstill open\n", "e.csv", at: 2, column: 3, contains: "unexpected end of file inside a quoted field")
        assertError("guid,file_name\na,\"closed\"x\n", "e.csv", at: 2, column: 11, contains: "text after the closing quote")
        assertError("guid,file_name\na,\"closed\" ,b\n", "e.csv", at: 2, column: 11, contains: "text after the closing quote")
    }

    func testInvalidUTF8SaysWhere() {
        assertError(
            bytes: Array("guid\tfile_name\na\tx".utf8) + [0xff] + [0x0a], "e.tsv", at: 2, column: 4, contains: "invalid UTF-8 (byte 0xFF")
        assertError(
            bytes: Array("guid,file_name\na,\"x\n".utf8) + [0xc3, 0x28] + Array("\"\n".utf8), "e.csv", at: 3, column: 2,
            contains: "invalid UTF-8")
        assertError(bytes: Array("guid\n".utf8) + [0xe2, 0x82], "e.tsv", at: 2, column: 3, contains: "inside a UTF-8 character")
        assertError(bytes: [0xc0, 0xaf] + Array("guid\n".utf8), "e.csv", at: 1, column: 1, contains: "invalid UTF-8")
    }

    func testLongLinesAreRefused() {
        let huge = String(repeating: "x", count: oneMiB + 10)
        assertError("guid\n" + huge + "\n", "e.tsv", at: 2, contains: "a line longer than 1 MiB")
        assertError("guid,file_name\na,\"" + huge, "e.csv", at: 2, contains: "a line longer than 1 MiB (is a closing '\"' missing?)")
        assertError(huge, "e.csv", at: 1, contains: "a line longer than 1 MiB")
        assertError(
            "guid,x\n" + String(repeating: ",", count: oneMiB + 10), "e.csv", at: 2,
            contains: "a line longer than 1 MiB")
    }

    func testTruncatedAtEveryByteFailsCleanlyOrReadsWhatIsThere() throws {
        let manifests = [
            ("t.tsv", "\u{FEFF}guid\tfile_name\tsize\tmd5\r\ndg.X/1\ta é.txt\t12\t\(md5)\r\n\r\n2\tb\t\t\n"),
            ("t.csv", "guid,file_name,size\n\"dg.X/1\",\"a, \"\"b\"\"\",12\n2,\"multi\nline é\",3\n"),
        ]
        for (name, text) in manifests {
            let valid = Array(text.utf8)
            XCTAssertEqual(try read(bytes: valid, name).count, 2)
            var accepted = 0
            for length in 0..<valid.count {
                do {
                    let entries = try read(bytes: Array(valid.prefix(length)), name)
                    XCTAssertTrue(entries.allSatisfy { !$0.guid.isEmpty }, "\(name) cut at \(length)")
                    XCTAssertLessThanOrEqual(entries.count, 2)
                    accepted += 1
                } catch let error as ManifestError {
                    XCTAssertGreaterThanOrEqual(error.line, 1, "\(name) cut at \(length): \(error)")
                }
            }
            XCTAssertGreaterThan(accepted, 0, name)
        }
    }

    func testAnErrorRepeats() throws {
        let reader = try openManifest(path: makeFile(Array("guid\na\n\"b\"c\nd\n".utf8), "sticky.csv"))
        XCTAssertEqual(try reader.next()?.guid, "a")
        var first: ManifestError?
        XCTAssertThrowsError(try reader.next()) { first = $0 as? ManifestError }
        XCTAssertEqual(first?.line, 3)
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual($0 as? ManifestError, first) }
    }

    func testSniffedFormatsPickTheRightReader() throws {
        XCTAssertEqual(try read("guid\tfile_name\na\tb,c\n", "table.txt"), [ManifestEntry(guid: "a", fileName: "b,c", line: 2)])
        XCTAssertEqual(try read("guid,file_name\na,b\tc\n", "table"), [ManifestEntry(guid: "a", fileName: "b\tc", line: 2)])
        XCTAssertEqual(try read("guid\na,b\n", "forced", format: .tsv).first?.guid, "a,b")
    }
}
