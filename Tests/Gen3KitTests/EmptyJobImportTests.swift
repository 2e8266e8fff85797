import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// A manifest file imported into a job with no files (`ManifestImporter.importIntoEmptyJob`): the
/// rows are appended with the unique indexes dropped and those are built afterwards; a repeat, a
/// clash or a bad entry gives the same result as the row-by-row import.
final class EmptyJobImportTests: XCTestCase {
    private let rows = ManifestImporter.batchRows * 3 + 5

    private func manifest(in directory: TemporaryDirectory, _ lines: [String]) throws -> String {
        let path = directory.file("m-\(UUID().uuidString).tsv")
        try (["guid\tfile_name\tsize"] + lines).joined(separator: "\n").appending("\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func lines(_ range: Range<Int>, name: (Int) -> String = { "f\($0).bin" }) -> [String] {
        range.map { "dg.T/\($0)\t\(name($0))\t10" }
    }

    private func importing(_ path: String, into store: JobStore, rename: Bool = false) throws -> ImportSummary {
        try ManifestImporter(store: store).importManifest(
            path: path, options: ImportOptions(downloadPath: "/tmp/empty-job-import", rename: rename))
    }

    private func count(_ sql: String, in store: JobStore) throws -> Int? {
        try store.sqlite!.prepare(sql).first { $0.int(0) }
    }

    private func uniqueIndexes(_ store: JobStore) throws -> [String] {
        try store.sqlite!.prepare(FileQueries.uniqueFileIndexes).rows { $0.string(0) ?? "" }
    }

    /// A manifest from a pipe with a repeated GUID: the first pass of an empty job's import would
    /// give up on it and open the manifest again, where a pipe has nothing more to give.
    func testAManifestFromAPipeWithARepeatedGUIDIsImportedWhole() throws {
        let directory = TemporaryDirectory()
        let fifo = directory.file("piped.tsv")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let text = (["guid\tfile_name\tsize"] + lines(0..<20) + lines(3..<4)).joined(separator: "\n") + "\n"
        // A reader that goes away early must not take the test process down with it.
        signal(SIGPIPE, SIG_IGN)
        let written = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            // The program on the other end: writes the manifest once.
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
            written.signal()
        }
        final class Import: @unchecked Sendable {
            let store: JobStore
            var summary: Result<ImportSummary, any Error>?
            init(_ store: JobStore) { self.store = store }
        }
        let job = Import(try JobStore(path: directory.file("job.sqlite")))
        let imported = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            job.summary = Result {
                try ManifestImporter(store: job.store).importManifest(
                    path: fifo, options: ImportOptions(downloadPath: "/tmp/empty-job-import"))
            }
            imported.signal()
        }
        if imported.wait(timeout: .now() + 30) == .timedOut {
            XCTFail("the import opened the pipe again, where nothing more comes")
            // A writer that closes at once ends its wait.
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            _ = imported.wait(timeout: .now() + 30)
        }
        XCTAssertEqual(written.wait(timeout: .now() + 30), .success)
        let summary = try XCTUnwrap(job.summary).get()
        XCTAssertEqual(summary.added, 20)
        XCTAssertEqual(summary.duplicates, 1)
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: job.store), 20)
    }

    func testRowsGoInAndTheUniqueIndexesAreBuiltAgain() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let path = try manifest(in: directory, lines(0..<rows))
        let summary = try importing(path, into: store)
        XCTAssertEqual(summary.entries, rows)
        XCTAssertEqual(summary.added, rows)
        XCTAssertEqual(try count("SELECT count(DISTINCT guid) FROM files WHERE state = 'pending'", in: store), rows)
        XCTAssertEqual(try uniqueIndexes(store), ["files_dest_name", "files_guid"])
        XCTAssertEqual(try store.sqlite!.prepare("PRAGMA integrity_check").first { $0.string(0) } ?? nil, "ok")
        XCTAssertEqual(try store.sqlite!.prepare("PRAGMA journal_mode").first { $0.string(0) } ?? nil, "wal")
        // The rebuilt indexes hold every row: a second import finds all of them already there.
        let again = try importing(path, into: store)
        XCTAssertEqual(again.alreadyInJob, rows)
        XCTAssertEqual(again.added, 0)
        XCTAssertThrowsError(
            try store.sqlite!.execute(
                "INSERT INTO files (guid, import_id, created_at, updated_at) VALUES ('dg.T/7', 1, 0, 0)"))
    }

    func testARepeatedGUIDIsCountedAsByTheRowByRowImport() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let path = try manifest(in: directory, lines(0..<rows) + lines(3..<4))
        let summary = try importing(path, into: store)
        XCTAssertEqual(summary.entries, rows + 1)
        XCTAssertEqual(summary.added, rows)
        XCTAssertEqual(summary.duplicates, 1)
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), rows)
        XCTAssertEqual(try count("SELECT count(*) FROM imports", in: store), 1, "the abandoned first attempt left its import row")
        XCTAssertEqual(try uniqueIndexes(store), ["files_dest_name", "files_guid"])
    }

    func testANameClashFailsWithNothingImportedOrIsRenamed() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let path = try manifest(in: directory, lines(0..<rows) { $0 == rows - 1 ? "f5.bin" : "f\($0).bin" })
        XCTAssertThrowsError(try importing(path, into: store)) { error in
            guard case StoreError.nameClashes(let clashes, let total) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(total, 1)
            XCTAssertEqual(clashes.first?.name, "f5.bin")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 0)
        XCTAssertEqual(try uniqueIndexes(store), ["files_dest_name", "files_guid"], "a failed import lost an index")
        let renamed = try importing(path, into: store, rename: true)
        XCTAssertEqual(renamed.added, rows)
        XCTAssertEqual(renamed.renamed, 1)
        XCTAssertEqual(try count("SELECT count(DISTINCT dest_name) FROM files", in: store), rows)
    }

    func testABadEntryLeavesTheJobEmptyWithItsIndexes() throws {
        let directory = TemporaryDirectory()
        let store = try JobStore(path: directory.file("job.sqlite"))
        let path = try manifest(in: directory, lines(0..<rows) + ["dg.T/bad\tbad.bin\tnot-a-size"])
        XCTAssertThrowsError(try importing(path, into: store)) { error in
            XCTAssertTrue(error is ManifestError, "\(error)")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM files", in: store), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM imports", in: store), 0)
        XCTAssertEqual(try uniqueIndexes(store), ["files_dest_name", "files_guid"])
        XCTAssertEqual(try store.sqlite!.prepare("PRAGMA journal_mode").first { $0.string(0) } ?? nil, "wal")
    }
}
