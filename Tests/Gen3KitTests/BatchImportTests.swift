import TestSupport
import XCTest

@testable import Gen3Kit

/// Imports big enough for whole batches (`ManifestImporter.batchRows`), where rows go in as one
/// statement: repeats, rows from an earlier import and name clashes count as they do row by row.
final class BatchImportTests: XCTestCase {
    private func entries(_ range: Range<Int>, name: (Int) -> String = { "f\($0).bin" }) -> [ManifestEntry] {
        range.map { ManifestEntry(guid: "dg.T/\($0)", fileName: name($0), size: 10) }
    }

    private func importing(_ entries: [ManifestEntry], into store: JobStore, rename: Bool = false) throws -> ImportSummary {
        try ManifestImporter(store: store).importEntries(
            from: ListManifestReader(entries), source: "test",
            options: ImportOptions(downloadPath: "/tmp/batch-import", rename: rename))
    }

    private func count(_ sql: String, in store: JobStore) throws -> Int? {
        try store.sqlite!.prepare(sql).first { $0.int(0) }
    }

    func testRepeatsAndEarlierRowsAreCountedInFullBatches() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let rows = ManifestImporter.batchRows
        let first = try importing(entries(0..<(2 * rows)), into: store)
        XCTAssertEqual(first.added, 2 * rows)
        // Half already in the job, half new, then repeats of new ones, across several full batches.
        let second = try importing(entries(rows..<(4 * rows)) + entries((3 * rows)..<(3 * rows + 10)), into: store)
        XCTAssertEqual(second.entries, 3 * rows + 10)
        XCTAssertEqual(second.alreadyInJob, rows)
        XCTAssertEqual(second.added, 2 * rows)
        XCTAssertEqual(second.duplicates, 10)
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 4 * rows)
    }

    /// Repeats inside one full batch count once each time they come, next to rows of earlier imports.
    func testRepeatsInsideOneBatchAreCountedEachTime() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let rows = ManifestImporter.batchRows
        XCTAssertEqual(try importing(entries(0..<10), into: store).added, 10)
        // One batch: 10 rows of the first import, dg.T/500 three times, the rest new.
        let batch = entries(0..<10) + entries(500..<501) + entries(500..<501) + entries(500..<501) + entries(1000..<(1000 + rows - 13))
        XCTAssertEqual(batch.count, rows)
        let summary = try importing(batch, into: store)
        XCTAssertEqual(summary.alreadyInJob, 10)
        XCTAssertEqual(summary.duplicates, 2)
        XCTAssertEqual(summary.added, rows - 12)
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 10 + rows - 12)
    }

    func testANameClashInsideAFullBatchIsFoundAndRenamed() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let rows = ManifestImporter.batchRows
        // Entry 5 and entry rows + 7 want the same name.
        let clashing = entries(0..<(3 * rows)) { $0 == rows + 7 ? "f5.bin" : "f\($0).bin" }
        XCTAssertThrowsError(try importing(clashing, into: store)) { error in
            guard case StoreError.nameClashes(let clashes, let total) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(total, 1)
            XCTAssertEqual(clashes.first?.name, "f5.bin")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 0, "a failed import left rows behind")
        let renamed = try importing(clashing, into: store, rename: true)
        XCTAssertEqual(renamed.added, 3 * rows)
        XCTAssertEqual(renamed.renamed, 1)
        XCTAssertEqual(try count("SELECT count(DISTINCT dest_name) FROM files", in: store), 3 * rows)
    }

    private func journalMode(_ store: JobStore) throws -> String? {
        try store.sqlite!.prepare("PRAGMA journal_mode").first { $0.string(0) } ?? nil
    }

    /// The journal mode a first import ran in, seen five batches in; the import then fails.
    private func journalModeOfAFailedFirstImport(into store: JobStore, large: Bool) throws -> String? {
        var during: String?
        let reader = FailingReader(after: 5 * ManifestImporter.batchRows) { during = try? self.journalMode(store) }
        XCTAssertThrowsError(
            try ManifestImporter(store: store).importEntries(
                from: reader, source: "test", options: ImportOptions(downloadPath: "/tmp/batch-import"), large: large))
        return during
    }

    /// A reader that fails after a number of good entries, as a manifest cut short does.
    private final class FailingReader: ManifestReader {
        private var left: Int
        private let onFirst: () -> Void
        init(after count: Int, onFirst: @escaping () -> Void) {
            left = count
            self.onFirst = onFirst
        }
        func next() throws -> ManifestEntry? {
            if left == 5 * ManifestImporter.batchRows { onFirst() }
            guard left > 0 else { throw ManifestError(path: "test", line: 1, reason: "cut short") }
            left -= 1
            return ManifestEntry(guid: "dg.T/x\(left)", fileName: "x\(left).bin", size: 10)
        }
    }

    /// A large first import goes through a rollback journal (see `ManifestImporter`): it is still
    /// all or nothing, and the job is in WAL mode again afterwards, whether it succeeded or not.
    func testALargeFirstImportIsAllOrNothingAndLeavesTheJobInWALMode() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let mode = { try self.journalMode(store) }
        XCTAssertEqual(
            try journalModeOfAFailedFirstImport(into: store, large: true), "delete",
            "the first import did not use the rollback journal")
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 0)
        XCTAssertEqual(try mode(), "wal")
        XCTAssertEqual(try importing(entries(0..<(3 * ManifestImporter.batchRows)), into: store).added, 3 * ManifestImporter.batchRows)
        XCTAssertEqual(try mode(), "wal")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("job.sqlite-journal")))
        // A later import, with rows already there, stays in WAL mode throughout.
        XCTAssertEqual(try importing(entries(0..<10), into: store).alreadyInJob, 10)
        XCTAssertEqual(try mode(), "wal")
    }

    /// A small first import stays in the WAL, and is all or nothing there too.
    func testASmallFirstImportStaysInTheWAL() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        XCTAssertEqual(try journalModeOfAFailedFirstImport(into: store, large: false), "wal")
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 0)
        XCTAssertEqual(try importing(entries(0..<(3 * ManifestImporter.batchRows)), into: store).added, 3 * ManifestImporter.batchRows)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.file("job.sqlite-journal")))
    }
}
