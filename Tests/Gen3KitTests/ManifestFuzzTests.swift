@testable import Gen3Kit
import Foundation
import TestSupport
import XCTest

/// Thousands of mutated manifests: each must end in a clean import or a ManifestError, never a
/// crash, a hang, or an entry without a GUID. Seeded, so a failure reproduces.
final class ManifestFuzzTests: XCTestCase {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    let seeds: [(String, String)] = [
        ("json", #"[{"object_id": "dg.X/1", "file_name": "a\"b\u00e9", "file_size": 12, "md5sum": "d41d8cd98f00b204e9800998ecf8427e", "x": [1, {"y": null, "z": true}]}, {"guid": "2", "size": "7"}]"#),
        ("tsv", "guid\tfile_name\tsize\tmd5\ndg.X/1\ta.txt\t12\td41d8cd98f00b204e9800998ecf8427e\n2\tb\t\t\n"),
        ("csv", "guid,file_name,size\n\"dg.X/1\",\"a, \"\"b\"\"\",12\n2,\"multi\nline\",3\n"),
    ]

    func testMutatedManifestsImportCleanlyOrFailCleanly() throws {
        let directory = TemporaryDirectory("fuzz")
        var random = SplitMix(state: 20261125)
        var outcomes = (imported: 0, rejected: 0)
        for round in 0..<3000 {
            let (format, text) = seeds[round % seeds.count]
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) { mutate(&bytes, using: &random) }
            let path = directory.file("m\(round % 7).\(format)")
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            do {
                let reader = try openManifest(path: path)
                var count = 0
                while let entry = try reader.next() {
                    XCTAssertFalse(entry.guid.isEmpty, "round \(round): an entry without a GUID")
                    count += 1
                    XCTAssertLessThan(count, 10_000, "round \(round): a reader that does not end")
                    if count >= 10_000 { break }
                }
                outcomes.imported += 1
            } catch is ManifestError {
                outcomes.rejected += 1
            }
        }
        // Both paths are exercised.
        XCTAssertGreaterThan(outcomes.imported, 100)
        XCTAssertGreaterThan(outcomes.rejected, 100)
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout SplitMix) {
        guard !bytes.isEmpty else { bytes = [UInt8.random(in: 0...255, using: &random)]; return }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        let interesting: [UInt8] = [0x00, 0x22, 0x5c, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x09, 0x0a, 0x0d, 0xff, 0xc3, 0x80]
        switch Int.random(in: 0..<6, using: &random) {
        case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 1: bytes.insert(interesting.randomElement(using: &random)!, at: at)
        case 2: bytes.remove(at: at)
        case 3: bytes.removeLast(Int.random(in: 0...(bytes.count - at), using: &random))
        case 4:
            let end = min(bytes.count, at + Int.random(in: 1...20, using: &random))
            bytes.insert(contentsOf: bytes[at..<end], at: at)
        default: bytes[at] = interesting.randomElement(using: &random)!
        }
    }
}
