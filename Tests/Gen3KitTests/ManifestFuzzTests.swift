import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// Thousands of damaged manifests, each of which must end in entries that are usable or in a
/// ManifestError: never a crash, a hang, a trap or an entry without a GUID. Seeded, so a failure
/// reproduces; the round number is in every message.
final class ManifestFuzzTests: XCTestCase {
    private static let md5 = "d41d8cd98f00b204e9800998ecf8427e"

    private static let seeds: [(ManifestFormat, String)] = [
        (
            .json,
            """
            [{"object_id": "dg.X/1", "file_name": "a\\"b\\u00e9\\ud83d\\ude00", "file_size": 12, "md5sum": "\(md5)",
              "x": [1, -2.5e-3, {"y": null, "z": [true, false, {}]}]},
             {"guid": "2", "size": "7", "md5": null, "filename": ""},
             {"did": "drs://h/3", "file_size": 9223372036854775807, "id": 4}]
            """
        ),
        (
            .json,
            "\u{FEFF}[\r\n  {\"object_id\": \"a\", \"file_name\": \"名前.txt\"},\r\n  {\"object_id\": \"b\", \"nested\": [[[[\"deep\"]]]]}\r\n]\r\n"
        ),
        (.tsv, "\u{FEFF}guid\tfile_name\tsize\tmd5\textra\r\ndg.X/1\ta é.txt\t12\t\(md5)\tx\r\n\r\n2\tb\t\t\n3\n"),
        (.csv, "object_id,filename,file_size,md5sum\n\"dg.X/1\",\"a, \"\"b\"\"\",12,\(md5)\n2,\"multi\nline\",3,\n\n3,,,\r\n"),
    ]

    /// Bytes that tend to matter to a parser.
    private static let interesting: [[UInt8]] = [
        [0x22], [0x5c], [0x5b], [0x5d], [0x7b], [0x7d], [0x2c], [0x3a], [0x09], [0x0a], [0x0d], [0x00], [0x20],
        [0xff], [0xc3], [0x80], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf], Array("\\u".utf8), Array("\\ud83d".utf8),
        Array("null".utf8), Array("-".utf8), Array("1e9".utf8), Array("99999999999999999999".utf8), Array("\"\"".utf8),
        Array("{\"object_id\": ".utf8), Array("[[[[".utf8),
    ]

    private var directory = URL(fileURLWithPath: "/nonexistent")

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gen3-manifest-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testMutatedManifestsYieldGoodEntriesOrAManifestError() throws {
        var random = SeededGenerator(state: 0x6765_6e33)
        var outcomes = (read: 0, rejected: 0)
        for round in 0..<6_000 {
            let (format, text) = Self.seeds[round % Self.seeds.count]
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) { mutate(&bytes, using: &random) }
            // Every fourth round leaves the format to detection, from content alone.
            let name = round % 4 == 3 ? "sniffed\(round % 3)" : "m\(round % 3).\(format.rawValue)"
            if try check(bytes, name: name, round: round) { outcomes.read += 1 } else { outcomes.rejected += 1 }
        }
        // Both ways out are exercised.
        XCTAssertGreaterThan(outcomes.read, 300)
        XCTAssertGreaterThan(outcomes.rejected, 3_000)
    }

    func testRandomlyBuiltManifestsNeverCrash() throws {
        var random = SeededGenerator(state: 42)
        var outcomes = (read: 0, rejected: 0)
        for round in 0..<3_000 {
            let format = ManifestFormat.allCases[round % 3]
            var bytes = Array((format == .json ? randomJSON(using: &random) : randomTable(format, using: &random)).utf8)
            if Int.random(in: 0..<3, using: &random) == 0 { mutate(&bytes, using: &random) }
            if try check(bytes, name: "built\(round % 3).\(format.rawValue)", round: round) {
                outcomes.read += 1
            } else {
                outcomes.rejected += 1
            }
        }
        XCTAssertGreaterThan(outcomes.read, 200)
        XCTAssertGreaterThan(outcomes.rejected, 200)
    }

    // MARK: - Helpers

    /// Reads `bytes` to the end; true when every entry was read, false on a ManifestError.
    private func check(_ bytes: [UInt8], name: String, round: Int) throws -> Bool {
        let path = directory.appendingPathComponent(name).path
        try TestFiles.write(bytes, to: path)
        do {
            let reader = try openManifest(path: path)
            var count = 0
            var lastLine = 0
            while let entry = try reader.next() {
                count += 1
                XCTAssertFalse(entry.guid.isEmpty, "round \(round): an entry without a GUID")
                XCTAssertEqual(entry.guid, ManifestFields.trimmed(entry.guid), "round \(round): an untrimmed GUID")
                XCTAssertFalse(entry.guid.utf8.contains { $0 < 0x20 || $0 == 0x7f }, "round \(round): a control character in a GUID")
                if let md5 = entry.md5 {
                    XCTAssertTrue(
                        md5.utf8.count == 32 && md5.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) },
                        "round \(round): md5 \(md5)")
                }
                XCTAssertGreaterThanOrEqual(entry.size ?? 0, 0, "round \(round)")
                XCTAssertGreaterThanOrEqual(entry.line, max(lastLine, 1), "round \(round): lines go backwards")
                lastLine = entry.line
                guard count < 10_000 else {
                    XCTFail("round \(round): a reader that does not end")
                    break
                }
            }
            return true
        } catch let error as ManifestError {
            XCTAssertEqual(error.path, path, "round \(round)")
            XCTAssertGreaterThanOrEqual(error.line, 1, "round \(round): \(error)")
            XCTAssertGreaterThanOrEqual(error.column ?? 1, 1, "round \(round): \(error)")
            XCTAssertFalse(error.reason.isEmpty, "round \(round)")
            return false
        }
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout SeededGenerator) {
        guard !bytes.isEmpty else {
            bytes = [UInt8.random(in: 0...255, using: &random)]
            return
        }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        let span = min(bytes.count - at, Int.random(in: 1...24, using: &random))
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1:
            bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 2:
            bytes.insert(contentsOf: Self.interesting.randomElement(using: &random) ?? [], at: at)
        case 3:
            bytes.removeSubrange(at..<(at + span))
        case 4:
            bytes.removeSubrange(at...)
        case 5:
            bytes.insert(contentsOf: bytes[at..<(at + span)], at: Int.random(in: 0...bytes.count, using: &random))
        default:
            let other = Int.random(in: 0..<bytes.count, using: &random)
            bytes.swapAt(at, other)
        }
    }

    // MARK: - Builders

    private func randomJSON(using random: inout SeededGenerator) -> String {
        let keys = ["object_id", "guid", "did", "id", "file_name", "filename", "file_size", "size", "md5sum", "md5", "x"]
        let entries = (0..<Int.random(in: 0...4, using: &random)).map { _ in
            let members = (0..<Int.random(in: 0...5, using: &random)).map { _ in
                "\"\(keys.randomElement(using: &random) ?? "x")\": \(randomValue(depth: 0, using: &random))"
            }
            return "{" + members.joined(separator: ", ") + "}"
        }
        return "[" + entries.joined(separator: ",\n") + "]"
    }

    private func randomValue(depth: Int, using random: inout SeededGenerator) -> String {
        let scalars = [
            "\"g\"", "\"dg.X/1\"", "\"  \"", "\"\"", "\"a\\u0000b\"", "\"\(Self.md5)\"", "\"\(Self.md5.uppercased())\"",
            "\"12\"", "\"-1\"", "0", "12", "-1", "1.5", "1e3", "9223372036854775807", "9223372036854775808", "true", "null",
        ]
        switch depth < 3 ? Int.random(in: 0..<5, using: &random) : 0 {
        case 3:
            let items = (0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) }
            return "[" + items.joined(separator: ",") + "]"
        case 4:
            let items = (0..<Int.random(in: 0...3, using: &random)).map { _ in "\"k\": " + randomValue(depth: depth + 1, using: &random) }
            return "{" + items.joined(separator: ",") + "}"
        default:
            return scalars.randomElement(using: &random) ?? "null"
        }
    }

    private func randomTable(_ format: ManifestFormat, using random: inout SeededGenerator) -> String {
        let separator = format == .csv ? "," : "\t"
        let names = ["guid", "object_id", " File_Name ", "size", "MD5", "x", ""]
        let header = (0..<Int.random(in: 1...4, using: &random)).map { _ in names.randomElement(using: &random) ?? "" }
        let values = [
            "g", "dg.X/1", "", " ", "\"q,uoted\"", "\"a\"\"b\"", "\"multi\nline\"", "12", "-3", "1.5",
            Self.md5, "é", "\"", "x\ty",
        ]
        var rows = [header.joined(separator: separator)]
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            rows.append(
                (0..<Int.random(in: 0...5, using: &random)).map { _ in values.randomElement(using: &random) ?? "" }.joined(
                    separator: separator))
        }
        return rows.joined(separator: Bool.random(using: &random) ? "\n" : "\r\n")
    }
}
