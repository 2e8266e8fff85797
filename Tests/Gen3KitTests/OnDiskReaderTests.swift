import Digest
import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// Files read back on the reader's thread: what it reads, and that every item handed to it comes
/// back exactly once, read or cancelled, so that a stopping worker releases every file it holds.
final class OnDiskReaderTests: XCTestCase {
    private final class Item {
        let name: String
        init(_ name: String) { self.name = name }
    }

    /// Waits (on the reader's wake, not a sleep) for `count` results.
    private func results(_ reader: OnDiskReader<Item>, _ wakes: ConditionLock, count: Int) -> [OnDiskReader<Item>.Result] {
        var taken: [OnDiskReader<Item>.Result] = []
        let deadline = Clock.now() + 30
        while taken.count < count && Clock.now() < deadline {
            taken += reader.takeFinished()
            if taken.count < count { wakes.locked { _ = wakes.wait(until: min(deadline, Clock.now() + 0.05)) } }
        }
        return taken
    }

    private func makeReader() -> (OnDiskReader<Item>, ConditionLock) {
        let wakes = ConditionLock()
        return (OnDiskReader<Item>(wake: { wakes.locked { wakes.broadcast() } }), wakes)
    }

    func testItGivesTheLengthAndMD5OfARegularFileAndNothingForOthers() throws {
        let directory = TemporaryDirectory("reader")
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file("a")))
        try FileManager.default.createSymbolicLink(atPath: directory.file("link"), withDestinationPath: directory.file("a"))
        let (reader, wakes) = makeReader()
        defer { reader.close() }
        let items = ["a", "missing", "link"].map(Item.init)
        for item in items { reader.submit(item, .init(path: directory.file(item.name), kind: .part)) }
        XCTAssertEqual(reader.count, 3)
        let taken = results(reader, wakes, count: 3)
        XCTAssertEqual(taken.map(\.item.name), ["a", "missing", "link"], "in the order submitted")
        XCTAssertEqual(taken[0].read?.length, Int64(bytes.count))
        XCTAssertEqual(taken[0].read?.md5.finalize(), MD5.hex(bytes))
        XCTAssertNil(taken[1].read, "no file")
        XCTAssertNil(taken[2].read, "a symlink is not followed")
        XCTAssertTrue(reader.isEmpty)
    }

    /// Whenever the worker stops, each item comes back once: as a result, or from `cancelAll`
    /// (pending, finished and not taken, or being read), and the reader goes on working after.
    func testEveryItemComesBackExactlyOnceWhenCancelled() throws {
        let directory = TemporaryDirectory("reader")
        try Data(count: 16 << 20).write(to: URL(fileURLWithPath: directory.file("big")))
        let (reader, wakes) = makeReader()
        defer { reader.close() }
        for round in 0..<5 {
            let items = (0..<6).map { Item("\(round)-\($0)") }
            for item in items { reader.submit(item, .init(path: directory.file("big"), kind: .existing)) }
            let early = reader.takeFinished().map(\.item)
            let cancelled = reader.cancelAll()
            XCTAssertEqual(reader.count, 0)
            let back = (early + cancelled + reader.takeFinished().map(\.item)).map { ObjectIdentifier($0) }
            XCTAssertEqual(back.count, items.count, "round \(round): \(early.count) read, \(cancelled.count) cancelled")
            XCTAssertEqual(Set(back), Set(items.map { ObjectIdentifier($0) }), "round \(round)")
        }
        let after = Item("after")
        reader.submit(after, .init(path: directory.file("big"), kind: .existing))
        let taken = results(reader, wakes, count: 1)
        XCTAssertTrue(taken.first?.item === after)
        XCTAssertEqual(taken.first?.read?.length, 16 << 20)
    }

    /// The worker reads a file back before deciding exactly when `decide` would ask for its md5.
    func testNeedsMD5SaysWhenDecideAsksForIt() {
        let entries: [FilePaths.Entry] = [.regular(size: 10), .regular(size: 11), .regular(size: 0), .other]
        for entry in entries {
            for expectedMD5 in [nil, "0123"] {
                for claimedBefore in [false, true] {
                    for skipCompleted in [false, true] {
                        var asked = false
                        _ = ExistingFileRule.decide(
                            path: "/x", entry: entry, expectedSize: 10, expectedMD5: expectedMD5, claimedBefore: claimedBefore,
                            skipCompleted: skipCompleted, policy: .refuse,
                            md5OfExisting: {
                                asked = true
                                return "ffff"
                            },
                            partFile: { .none })
                        let needs = ExistingFileRule.needsMD5(
                            entry: entry, expectedSize: 10, expectedMD5: expectedMD5, claimedBefore: claimedBefore,
                            skipCompleted: skipCompleted)
                        XCTAssertEqual(needs, asked, "\(entry) md5 \(expectedMD5 ?? "none") claimed \(claimedBefore) skip \(skipCompleted)")
                    }
                }
            }
        }
    }
}
