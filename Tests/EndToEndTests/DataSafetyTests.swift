import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// A file at a destination that the job did not write is never replaced silently, and a busy token
/// endpoint at start is asked again instead of ending the run.
final class DataSafetyTests: XCTestCase {
    private func fixture(_ objects: Int = 3) throws -> JobFixture {
        let job = try JobFixture(objects: objects)
        try FileManager.default.createDirectory(atPath: job.downloads, withIntermediateDirectories: true)
        XCTAssertEqual(try job.importManifest().status, 0)
        return job
    }

    private func path(_ job: JobFixture, _ object: TestObject) -> String { job.downloads + "/" + object.fileName }

    func testAnUnrelatedFileIsLeftAsItIsAndItsDownloadFailsSayingWhy() throws {
        let job = try fixture()
        let theirs = job.commons.objects[0]
        try "their notes".write(toFile: path(job, theirs), atomically: false, encoding: .utf8)
        let run = try job.run(["--no-progress"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(try String(contentsOfFile: path(job, theirs), encoding: .utf8), "their notes")
        XCTAssertEqual(job.commons.stats.bytesServed[theirs.guid] ?? 0, 0, "a file that could not be saved was fetched")
        let reason = try job.sql("SELECT last_error FROM failures")
        XCTAssertEqual(reason.count, 1)
        XCTAssertTrue(
            reason[0].contains(path(job, theirs)) && reason[0].contains("--rename") && reason[0].contains("--overwrite")
                && reason[0].contains("a file of 11 bytes"), "\(reason)")
        XCTAssertEqual(job.downloadedFiles.sorted(), job.commons.objects.map(\.fileName).sorted())
        for object in job.commons.objects.dropFirst() { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    func testASymlinkAtTheDestinationIsLeftAsItIs() throws {
        let job = try fixture(1)
        let object = job.commons.objects[0]
        let outside = TemporaryDirectory("outside")
        try "untouched".write(toFile: outside.file("t"), atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: path(job, object), withDestinationPath: outside.file("t"))
        XCTAssertEqual(try job.run(["--no-progress"]).status, 1)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path(job, object)), outside.file("t"))
        XCTAssertEqual(try String(contentsOfFile: outside.file("t"), encoding: .utf8), "untouched")
        XCTAssertTrue(try job.sql("SELECT last_error FROM failures").first?.contains("a symlink, directory or other special file") == true)
    }

    func testOverwriteReplacesIt() throws {
        let job = try fixture(1)
        let object = job.commons.objects[0]
        try "their notes".write(toFile: path(job, object), atomically: false, encoding: .utf8)
        XCTAssertEqual(try job.run(["--no-progress", "--overwrite"]).status, 0)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        XCTAssertEqual(job.downloadedFiles, [object.fileName])
    }

    func testRenameKeepsItAndSavesTheDownloadUnderTheNextFreeName() throws {
        let job = try fixture(1)
        let object = job.commons.objects[0]
        let stem = (object.fileName as NSString).deletingPathExtension
        let ext = (object.fileName as NSString).pathExtension
        try "their notes".write(toFile: path(job, object), atomically: false, encoding: .utf8)
        // _1 is taken on disk too: the next free name is checked against the disk, not only the job.
        try "more notes".write(toFile: job.downloads + "/\(stem)_1.\(ext)", atomically: false, encoding: .utf8)
        let run = try job.run(["--no-progress", "--rename"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try String(contentsOfFile: path(job, object), encoding: .utf8), "their notes")
        XCTAssertEqual(try String(contentsOfFile: job.downloads + "/\(stem)_1.\(ext)", encoding: .utf8), "more notes")
        XCTAssertEqual(job.md5(ofDownloaded: "\(stem)_2.\(ext)"), object.md5)
        XCTAssertEqual(try job.sql("SELECT dest_name FROM files"), ["\(stem)_2.\(ext)"])
    }

    func testSkipCompletedCountsTheRightSizeAsSkippedOnlyWhenNoMD5IsKnown() throws {
        let job = try JobFixture(objects: 2)
        try FileManager.default.createDirectory(atPath: job.downloads, withIntermediateDirectories: true)
        let manifest = job.directory.file("no-md5.tsv")
        let rows = job.commons.objects.map { "\($0.guid)\t\($0.fileName)\t\($0.size)" }
        try (["guid\tfile_name\tsize"] + rows).joined(separator: "\n").write(toFile: manifest, atomically: false, encoding: .utf8)
        XCTAssertEqual(try job.importManifest(manifest).status, 0)
        let same = job.commons.objects[0]
        try Data(repeating: 1, count: same.size).write(to: URL(fileURLWithPath: path(job, same)))
        XCTAssertEqual(try job.run(["--no-progress", "--skip-completed"]).status, 0)
        XCTAssertEqual(
            try job.sql("SELECT guid, state FROM files ORDER BY guid"),
            job.commons.objects.map { "\($0.guid)\t\($0.guid == same.guid ? "skipped" : "done")" }.sorted())
        XCTAssertEqual(FileManager.default.contents(atPath: path(job, same)), Data(repeating: 1, count: same.size))
        XCTAssertEqual(
            try job.sql("SELECT f.guid, a.outcome FROM attempts a JOIN files f ON f.id = a.file_id ORDER BY f.guid"),
            job.commons.objects.map { "\($0.guid)\t\($0.guid == same.guid ? "skipped" : "done")" }.sorted())
    }

    /// Every completed file whose `done` record was lost (as a power cut before the WAL is synced
    /// loses it) is found on disk and recorded done again without a byte fetched.
    func testFilesWhoseRecordsWereLostAreNotFetchedAgain() throws {
        let job = try fixture(20)
        XCTAssertEqual(try job.run(["--no-progress"]).status, 0)
        let served = job.commons.stats.totalBytesServed
        XCTAssertEqual(try job.gen3(["sql", "--write", "UPDATE files SET state = 'pending', attempts = 0, actual_md5 = NULL"]).status, 0)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'pending'"), ["20"])
        XCTAssertEqual(try job.run(["--no-progress"]).status, 0)
        XCTAssertEqual(job.commons.stats.totalBytesServed, served)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done' AND actual_md5 = expected_md5"), ["20"])
    }

    /// Files settled without a transfer take no transfer slot, yet a job of them commits their
    /// outcomes as batches fill (256 at most) instead of holding them all until its end.
    func testOutcomesOfFilesAlreadyThereCommitInBatches() throws {
        let job = try JobFixture(objects: 600, minSize: 16, maxSize: 64)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--no-progress"]).status, 0)
        XCTAssertEqual(try job.gen3(["sql", "--write", "UPDATE files SET state = 'pending', attempts = 0, actual_md5 = NULL"]).status, 0)
        let served = job.commons.stats.totalBytesServed
        let run = try job.run(["--no-progress", "-v", "--workers", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(job.commons.stats.totalBytesServed, served)
        let summary = try XCTUnwrap(run.stderr.firstMatch(of: /([0-9]+) outcomes in ([0-9]+) transactions/), run.stderr)
        XCTAssertEqual(Int(summary.1), 600)
        XCTAssertGreaterThanOrEqual(Int(summary.2) ?? 0, 3, String(summary.0))
    }

    /// Files of a megabyte or more found at their final names are read back on a thread of the
    /// worker's own (the transfer loop goes on meanwhile): the right ones are recorded done without
    /// a byte fetched, one of the right size but another md5 is left as it is and fails.
    func testLargeFilesAlreadyThereAreReadBackNotFetched() throws {
        let job = try JobFixture(objects: 4, minSize: 1 << 20, maxSize: 3 << 20)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--no-progress"]).status, 0)
        XCTAssertEqual(try job.gen3(["sql", "--write", "UPDATE files SET state = 'pending', attempts = 0, actual_md5 = NULL"]).status, 0)
        let changed = job.commons.objects[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path(job, changed)))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: path(job, changed)))
        let served = job.commons.stats.totalBytesServed

        let run = try job.run(["--no-progress", "-vv"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(job.commons.stats.totalBytesServed, served, "a file already there was fetched again")
        for object in job.commons.objects {
            XCTAssertTrue(run.stderr.contains("read back \(path(job, object)): \(object.size) bytes"), "\(object.fileName): \(run.stderr)")
        }
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done' AND actual_md5 = expected_md5"), ["3"])
        let reason = try job.sql("SELECT last_error FROM failures")
        XCTAssertTrue(reason.first?.contains("a file of the right size but another md5") == true, "\(reason)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path(job, changed))), bytes, "a file the job did not write was changed")
    }

    /// One clash rule for every name: a name indexd supplies at run time that another file of the
    /// job already has becomes the first free `name_N.ext`, as `--rename` does at import.
    func testANameFromIndexdThatAnotherFileHasGetsTheNextFreeAlternative() throws {
        let job = try JobFixture(objects: 2)
        let a = job.commons.objects[0]
        let b = job.commons.objects[1]
        let manifest = job.directory.file("late.tsv")
        let rows = ["guid\tfile_name\tsize\tmd5", "\(a.guid)\t\(b.fileName)\t\(a.size)\t\(a.md5)", "\(b.guid)\t\t\t"]
        try rows.joined(separator: "\n").write(toFile: manifest, atomically: false, encoding: .utf8)
        XCTAssertEqual(try job.importManifest(manifest).status, 0)
        XCTAssertEqual(try job.run(["--no-progress"]).status, 0)
        let stem = (b.fileName as NSString).deletingPathExtension
        let ext = (b.fileName as NSString).pathExtension
        XCTAssertEqual(
            try job.sql("SELECT guid, dest_name FROM files ORDER BY id"), ["\(a.guid)\t\(b.fileName)", "\(b.guid)\t\(stem)_1.\(ext)"])
        XCTAssertEqual(job.md5(ofDownloaded: b.fileName), a.md5)
        XCTAssertEqual(job.md5(ofDownloaded: "\(stem)_1.\(ext)"), b.md5)
    }

    /// A run that the free space cannot hold refuses to start, saying how much is missing, and
    /// asks nothing of the storage host; --ignore-free-space starts it anyway.
    func testTooLittleFreeSpaceRefusesToStart() throws {
        let job = try JobFixture(objects: 1)
        let object = job.commons.objects[0]
        let manifest = job.directory.file("huge.tsv")
        try "guid\tfile_name\tsize\n\(object.guid)\t\(object.fileName)\t\(Int64(1) << 60)\n".write(
            toFile: manifest, atomically: false, encoding: .utf8)
        XCTAssertEqual(try job.importManifest(manifest).status, 0)
        let refused = try job.run(["--no-progress"])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(
            refused.stderr.contains("not enough free space in \(job.downloads)") && refused.stderr.contains("--ignore-free-space"),
            refused.stderr)
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 0)
        XCTAssertEqual(try job.sql("SELECT state FROM files"), ["pending"])
        // On one connection: as ranges, the claimed size would make several requests.
        let started = try job.run(["--no-progress", "--ignore-free-space", "--max-attempts", "1", "--max-connections-per-file", "1"])
        XCTAssertEqual(started.status, 1, started.stderr)
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 1, "the run started and fetched the (wrongly sized) file")
    }

    func testThePlanCountsFilesAlreadyThere() throws {
        let job = try JobFixture(objects: 3)
        try FileManager.default.createDirectory(atPath: job.downloads, withIntermediateDirectories: true)
        try "x".write(toFile: path(job, job.commons.objects[1]), atomically: false, encoding: .utf8)
        let plan = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async",
                "--manifest", job.manifest, "--download-path", job.downloads,
            ], directory: job.directory.path)
        XCTAssertEqual(plan.status, 2, plan.stderr)
        XCTAssertTrue(plan.stderr.contains("3 files to download") && plan.stderr.contains("already there: 1 files"), plan.stderr)
    }

    func testABusyTokenEndpointAtStartIsAskedAgain() throws {
        let job = try fixture(2)
        job.commons.setFault(.status(503, at: .token), times: .times(2))
        let run = try job.run(["--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "asking again in").count - 1, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("HTTP 503 from \(job.commons.endpoint)/user/credentials/cdis/access_token"), run.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    func testARefusedTokenRequestFailsAtOnce() throws {
        let job = try fixture(1)
        job.commons.setFault(.status(400, at: .token), times: .always)
        let run = try job.run(["--no-progress"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertEqual(job.commons.stats.requests[.token], 1)
        XCTAssertTrue(run.stderr.contains("HTTP 400"), run.stderr)
        XCTAssertFalse(run.stderr.contains("asking again"), run.stderr)
    }
}
