import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// The durability path on real file systems without the calls the engine prefers (issue 23's
/// shared file systems): each test downloads into a file system `scripts/portable-fs.sh` mounts,
/// once on exFAT (no `O_TMPFILE`, no `RENAME_NOREPLACE`, no hard links) and once on a bindfs
/// pass-through (no `O_TMPFILE` or `RENAME_NOREPLACE`, hard links: as NFS has it). Both are FUSE,
/// where `syncfs` does not reach the disk, so files are synced one by one there.
final class PortableFileSystemTests: XCTestCase {
    private let mebibyte = 1 << 20

    /// A fixture downloading onto `kind`, after checking that the mount refuses what it should (or
    /// the test would pass on the preferred path without saying so).
    private func fixture(
        _ kind: PortableFileSystem.Kind, objects: Int, minSize: Int = 1024, maxSize: Int = 64 * 1024,
        configure: (inout TestCommonsConfiguration) -> Void = { _ in }
    ) throws -> JobFixture {
        let job = try JobFixture(objects: objects, minSize: minSize, maxSize: maxSize, downloadsOn: kind, configure: configure)
        let probe = job.downloadFileSystem?.probe ?? ""
        XCTAssertTrue(probe.contains("O_TMPFILE: refused"), "\(kind): \(probe)")
        XCTAssertTrue(probe.contains("RENAME_NOREPLACE: refused"), "\(kind): \(probe)")
        XCTAssertTrue(probe.contains(kind == .exfat ? "link: refused" : "link: works"), "\(kind): \(probe)")
        return job
    }

    /// Adds objects of the given sizes, named `<prefix>-<index>.bin`, with bytes that differ per object.
    private func add(_ sizes: [Int], prefix: String, to job: JobFixture) -> [TestObject] {
        sizes.enumerated().map { index, size in
            job.commons.addObject(
                guid: "dg.TEST/\(prefix)-\(index)", fileName: "\(prefix)-\(index).bin",
                content: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &* 7 &+ size) })
        }
    }

    /// Every file is at its name with its md5, nothing else is in the download directory, and each
    /// row is done by exactly one `done` attempt.
    private func assertAllDone(_ job: JobFixture, _ kind: PortableFileSystem.Kind, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let objects = job.commons.objects
        for object in objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, "\(kind): \(object.fileName)", file: file, line: line)
        }
        XCTAssertEqual(job.downloadedFiles, objects.map(\.fileName).sorted(), "\(kind): part files or strays", file: file, line: line)
        XCTAssertEqual(
            try job.sql("SELECT state, count(*) FROM files WHERE actual_md5 = expected_md5 GROUP BY state"), ["done\t\(objects.count)"],
            "\(kind)", file: file, line: line)
        XCTAssertEqual(
            try job.sql("SELECT file_id FROM attempts WHERE outcome = 'done' GROUP BY file_id HAVING count(*) <> 1"), [],
            "\(kind): a file recorded done more than once", file: file, line: line)
    }

    // MARK: - A whole job

    /// Empty, small (in memory), mid-sized (part files) and large (direct writes) files, in two
    /// worker processes: every file verified at its name, no part file left, every row done once.
    func testAJobDownloadsEveryFileVerified() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let job = try fixture(kind, objects: 8, minSize: 100 << 10, maxSize: 3 << 20) { $0.emptyObjectCount = 2 }
            _ = add([700, 5000, 30_000, 63_000, (9 << 20) + 123], prefix: "extra", to: job)
            try job.commons.writeManifest(to: job.manifest)
            XCTAssertEqual(try job.importManifest().status, 0)
            let run = try job.run(["--no-progress"])
            XCTAssertEqual(run.status, 0, "\(kind): " + run.stderr + run.stdout)
            try assertAllDone(job, kind)
            XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome <> 'done'"), ["0"], "\(kind): retries")
        }
    }

    // MARK: - kill -9 and resume

    /// kill -9 in the middle of a file written through the page cache, then kill -9 right after
    /// some renames (before their outcomes are committed), then a run to the end: each run fetches
    /// exactly what the disk lacks (files at their names are recorded in place, part files continue
    /// from their ends).
    func testKillsMidRunResumeWithExactlyTheRemainingWork() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let job = try fixture(kind, objects: 0)
            // First in the job, and alone on the first run's one connection, the part file the kill
            // lands in: its sink writes each chunk before counting it, so the kill leaves at least
            // that many bytes in it, and fewer than all. Then a file of direct writes and small ones.
            let large = add([(5 << 20) + 4321, (9 << 20) + 77, 2 << 20], prefix: "large", to: job)
            _ = add((0..<40).map { 1000 + $0 * 4099 }, prefix: "small", to: job)
            try job.commons.writeManifest(to: job.manifest)
            XCTAssertEqual(try job.importManifest().status, 0)
            let arguments = ["--workers", "1", "--no-progress"]
            var continued = 0

            for (round, (killPoint, connections)) in [
                (["GEN3_TEST_KILL_AFTER_BYTES": "\(2 << 20)"], "1"), (["GEN3_TEST_KILL_AFTER_RENAMES": "10"], "4"),
            ].enumerated() {
                let before = try DiskState(job)
                let killed = try job.run(arguments + ["--max-concurrent-requests", connections], environment: killPoint)
                XCTAssertEqual(killed.signal, SIGKILL, "\(kind) round \(round): \(killed.stderr)")
                if round == 0 {
                    let kept = try DiskState(job).parts[large[0].fileName] ?? 0
                    XCTAssertTrue((2 << 20..<large[0].size).contains(kept), "\(kind): the kill left \(kept) bytes in the part file")
                }
                XCTAssertEqual(try before.refetched(since: job, continued: &continued), [], "\(kind) round \(round)")
            }
            let afterKills = try DiskState(job)
            XCTAssertFalse(afterKills.finished.isEmpty, "\(kind): the kills left no file at its name")

            let final = try job.run(arguments + ["--max-concurrent-requests", "4"])
            XCTAssertEqual(final.status, 0, "\(kind): " + final.stderr)
            XCTAssertEqual(try afterKills.refetched(since: job, continued: &continued), [], "\(kind): the final run")
            XCTAssertGreaterThan(continued, 0, "\(kind): no run continued the part file")
            try assertAllDone(job, kind)
        }
    }

    // MARK: - Files the job did not write

    /// A file at a destination that the job did not write is left as it is and its download fails
    /// saying why; `--rename` saves the download beside it; `--overwrite` replaces it.
    func testAFileTheJobDidNotWriteIsNeverReplacedUnlessTold() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let job = try fixture(kind, objects: 3)
            XCTAssertEqual(try job.importManifest().status, 0)
            let (refused, renamed, overwritten) = (job.commons.objects[0], job.commons.objects[1], job.commons.objects[2])
            for object in [refused, renamed, overwritten] {
                try "their notes".write(toFile: job.downloads + "/" + object.fileName, atomically: false, encoding: .utf8)
            }
            let run = try job.run(["--no-progress"])
            XCTAssertEqual(run.status, 1, "\(kind): " + run.stderr)
            for object in [refused, renamed, overwritten] {
                XCTAssertEqual(try String(contentsOfFile: job.downloads + "/" + object.fileName, encoding: .utf8), "their notes")
                XCTAssertEqual(job.commons.stats.bytesServed[object.guid] ?? 0, 0, "\(kind): a file that could not be saved was fetched")
            }
            let reasons = try job.sql("SELECT last_error FROM failures")
            XCTAssertEqual(reasons.count, 3, "\(kind)")
            XCTAssertTrue(reasons.allSatisfy { $0.contains("a file of 11 bytes") && $0.contains("--overwrite") }, "\(kind): \(reasons)")

            let stem = (renamed.fileName as NSString).deletingPathExtension
            let ext = (renamed.fileName as NSString).pathExtension
            let guid = { (object: TestObject) in "'\(object.guid)'" }
            XCTAssertEqual(try job.gen3(["sql", "--write", "UPDATE files SET state = 'pending' WHERE guid = \(guid(renamed))"]).status, 0)
            // The failed row left stays failed: these runs end with status 1 for it.
            try job.run(["--no-progress", "--rename"])
            XCTAssertEqual(job.md5(ofDownloaded: "\(stem)_1.\(ext)"), renamed.md5, "\(kind)")
            XCTAssertEqual(try String(contentsOfFile: job.downloads + "/" + renamed.fileName, encoding: .utf8), "their notes")

            XCTAssertEqual(
                try job.gen3(["sql", "--write", "UPDATE files SET state = 'pending' WHERE guid = \(guid(overwritten))"]).status, 0)
            try job.run(["--no-progress", "--overwrite"])
            XCTAssertEqual(job.md5(ofDownloaded: overwritten.fileName), overwritten.md5, "\(kind)")
            for (object, state) in [(refused, "failed"), (renamed, "done"), (overwritten, "done")] {
                XCTAssertEqual(try job.sql("SELECT state FROM files WHERE guid = \(guid(object))"), [state], "\(kind): \(object.fileName)")
            }

            XCTAssertEqual(try String(contentsOfFile: job.downloads + "/" + refused.fileName, encoding: .utf8), "their notes")
            XCTAssertEqual(
                job.downloadedFiles, [refused.fileName, renamed.fileName, "\(stem)_1.\(ext)", overwritten.fileName].sorted(), "\(kind)")
        }
    }

    /// What a crash leaves in the middle of a rename without `RENAME_NOREPLACE` is finished by the
    /// next run without a byte fetched: the file at both its names (link, then the part name's
    /// unlink: where there are hard links), or an empty file at its name beside the complete part
    /// file (the name taken, then the part file renamed over it: where there are none). An empty
    /// file beside no part file of the job's is someone else's, and stays.
    func testACrashMidRenameIsFinishedByTheNextRun() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let job = try fixture(kind, objects: 4, minSize: 100 << 10, maxSize: 3 << 20)
            XCTAssertEqual(try job.importManifest().status, 0)
            XCTAssertEqual(try job.run(["--no-progress"]).status, 0, "\(kind)")
            let served = job.commons.stats.totalBytesServed
            let (reserved, linked, theirs) = (job.commons.objects[0], job.commons.objects[1], job.commons.objects[2])
            let path = { (object: TestObject) in job.downloads + "/" + object.fileName }
            // As each crash leaves it (the rows as the killed attempt left them: claimed before, not done).
            try FileManager.default.moveItem(atPath: path(reserved), toPath: path(reserved) + ".part")
            XCTAssertTrue(FileManager.default.createFile(atPath: path(reserved), contents: nil))
            if kind == .bindfs { XCTAssertEqual(link(path(linked), path(linked) + ".part"), 0, String(cString: strerror(errno))) }
            try FileManager.default.removeItem(atPath: path(theirs))
            XCTAssertTrue(FileManager.default.createFile(atPath: path(theirs), contents: nil))
            let guids = [reserved, linked, theirs].map { "'\($0.guid)'" }.joined(separator: ", ")
            XCTAssertEqual(
                try job.gen3(["sql", "--write", "UPDATE files SET state = 'pending', actual_md5 = NULL WHERE guid IN (\(guids))"]).status, 0
            )

            let run = try job.run(["--no-progress", "--max-attempts", "1"])
            XCTAssertEqual(run.status, 1, "\(kind): " + run.stderr)
            XCTAssertEqual(job.commons.stats.totalBytesServed, served, "\(kind): bytes on disk were fetched again")
            XCTAssertEqual(try job.sql("SELECT guid FROM failures"), [theirs.guid], "\(kind)")
            XCTAssertEqual(FilePaths.fileSize(path(theirs)), 0, "\(kind): an empty file the job did not write was replaced")
            for object in job.commons.objects where object.guid != theirs.guid {
                XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, "\(kind): \(object.fileName)")
            }
            XCTAssertEqual(job.downloadedFiles, job.commons.objects.map(\.fileName).sorted(), "\(kind): a part file left")
            XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done' AND actual_md5 = expected_md5"), ["3"], "\(kind)")
        }
    }

    // MARK: - Ranges

    /// A large file fetched as four ranges at once, written in place and read back by its hasher:
    /// every byte once, verified at its name. Then a file killed mid-ranges resumes each range
    /// from its record, for exactly the missing bytes.
    func testALargeFileFetchedInRangesAndResumedAfterAKill() throws {
        let ranged = ["--range-threshold", "4M", "--max-connections-per-file", "4", "--no-progress"]
        for kind in PortableFileSystem.Kind.allCases {
            let job = try fixture(kind, objects: 0)
            let whole = add([12 * mebibyte + 4567], prefix: "ranged", to: job)[0]
            try job.commons.writeManifest(to: job.manifest)
            XCTAssertEqual(try job.importManifest().status, 0)
            let run = try job.run(ranged)
            XCTAssertEqual(run.status, 0, "\(kind): " + run.stderr)
            let planned = RangePlan.split(size: Int64(whole.size), connections: 4).map { Int($0.start) }
            XCTAssertEqual(job.commons.stats.rangeStarts[whole.guid]?.sorted(), planned, "\(kind)")
            XCTAssertEqual(job.commons.stats.bytesServed[whole.guid], whole.size, "\(kind): every byte once")
            XCTAssertEqual(try job.sql("SELECT count(*) FROM file_ranges"), ["0"], "\(kind)")

            let resumed = add([16 * mebibyte + 12_345], prefix: "resumed", to: job)[0]
            try job.commons.writeManifest(to: job.manifest)
            XCTAssertEqual(try job.importManifest().status, 0)
            let killed = try job.run(
                ranged, environment: ["GEN3_TEST_KILL_AFTER_RANGE_RECORDS": "12", "GEN3_TEST_RANGE_CHECKPOINT_BYTES": "\(256 << 10)"])
            XCTAssertEqual(killed.signal, SIGKILL, "\(kind): the kill hook did not fire: \(killed.stderr)")
            let before = try DiskState(job)
            let recorded = try job.sql(
                "SELECT start_offset, end_offset, done FROM file_ranges WHERE file_id = (SELECT id FROM files WHERE guid = '\(resumed.guid)')"
            ).map { line in
                let fields = line.split(separator: "\t").compactMap { Int64($0) }
                return FileRange(start: fields[0], end: fields[1], done: fields[2])
            }
            XCTAssertTrue(recorded.contains { $0.done > 0 && !$0.isComplete }, "\(kind): no range was under way at the kill")

            let final = try job.run(ranged)
            XCTAssertEqual(final.status, 0, "\(kind): " + final.stderr)
            let stats = job.commons.stats
            let starts = Set(stats.rangeStarts[resumed.guid]?.dropFirst(before.rangeStarts[resumed.guid]?.count ?? 0) ?? [])
            XCTAssertEqual(starts, Set(recorded.filter { !$0.isComplete }.map { Int($0.next) }), "\(kind): each range from its record")
            let missing = recorded.reduce(0) { $0 + Int($1.length - $1.done) }
            XCTAssertEqual(
                (stats.bytesServed[resumed.guid] ?? 0) - (before.served[resumed.guid] ?? 0), missing, "\(kind): only the missing bytes")
            try assertAllDone(job, kind)
        }
    }
}
