import XCTest

@testable import Gen3Kit

final class PrefetchingManifestReaderTests: XCTestCase {
    /// Counts what it hands out; fails after `failAfter` entries when set.
    private final class CountingReader: ManifestReader {
        let total: Int
        let failAfter: Int?
        private let lock = NSLock()
        private var handed = 0
        init(total: Int, failAfter: Int? = nil) {
            self.total = total
            self.failAfter = failAfter
        }
        var read: Int { lock.withLock { handed } }
        func next() throws -> ManifestEntry? {
            try lock.withLock {
                if let failAfter, handed == failAfter { throw ManifestError(path: "test", line: handed + 1, reason: "cut short") }
                guard handed < total else { return nil }
                handed += 1
                return ManifestEntry(guid: "dg.T/\(handed)", line: handed)
            }
        }
    }

    func testEntriesComeOutInOrderThenTheEnd() throws {
        let reader = PrefetchingManifestReader(CountingReader(total: 1000), chunkSize: 7, depth: 2)
        var guids: [String] = []
        while let entry = try reader.next() { guids.append(entry.guid) }
        XCTAssertEqual(guids, (1...1000).map { "dg.T/\($0)" })
        XCTAssertNil(try reader.next())
    }

    func testTheErrorComesAfterEveryEntryBeforeItAndThenAgain() throws {
        let reader = PrefetchingManifestReader(CountingReader(total: 1000, failAfter: 30), chunkSize: 8, depth: 2)
        var lines: [Int] = []
        var failure: Error?
        do {
            while let entry = try reader.next() { lines.append(entry.line) }
        } catch {
            failure = error
        }
        XCTAssertEqual(lines, Array(1...30))
        XCTAssertEqual((failure as? ManifestError)?.line, 31)
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual(($0 as? ManifestError)?.line, 31) }
    }

    func testItReadsABoundedWayAheadAndStopsWhenDropped() throws {
        let base = CountingReader(total: 100_000)
        var reader: PrefetchingManifestReader? = PrefetchingManifestReader(base, chunkSize: 10, depth: 3)
        for _ in 0..<25 { _ = try reader?.next() }
        // Dropping the reader joins its thread: what it read then is final.
        reader = nil
        let read = base.read
        XCTAssertGreaterThanOrEqual(read, 25)
        XCTAssertLessThanOrEqual(read, 30 + 10 * 4, "read ahead more than its chunks can hold")
        XCTAssertEqual(base.read, read)
    }
}
