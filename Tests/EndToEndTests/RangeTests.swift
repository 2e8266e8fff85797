import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// Large files fetched as byte ranges on several connections at once (`--max-connections-per-file`),
/// written in place, md5-verified, and resumed range by range after kill -9. The threshold is set
/// low so that files of a few MiB stand in for the large ones.
final class RangeTests: XCTestCase {
    private let mebibyte = 1 << 20
    /// The plans and kill points below are for four connections per file.
    private let ranged = ["--range-threshold", "4M", "--max-connections-per-file", "4"]

    /// The byte ranges the job database records for `guid`'s file.
    private func recordedRanges(_ job: JobFixture, _ guid: String) throws -> [FileRange] {
        try job.sql(
            "SELECT start_offset, end_offset, done FROM file_ranges WHERE file_id = (SELECT id FROM files WHERE guid = '\(guid)') ORDER BY 1"
        ).map { line in
            let fields = line.split(separator: "\t").compactMap { Int64($0) }
            return FileRange(start: fields[0], end: fields[1], done: fields[2])
        }
    }

    /// The offsets a fresh file of `size` bytes is asked from.
    private func plannedStarts(size: Int, connections: Int = 4) -> [Int] {
        RangePlan.split(size: Int64(size), connections: connections).map { Int($0.start) }
    }

    /// Each file above the threshold is asked for as the planned ranges, every byte once, and ends
    /// verified at its name; a file below it comes whole.
    func testFilesAboveTheThresholdComeAsRangesEachByteOnce() throws {
        let job = try JobFixture(objects: 3, minSize: 12 * mebibyte, maxSize: 20 * mebibyte)
        let small = job.commons.addObject(
            guid: "dg.TEST/small", fileName: "small.bin", content: (0..<(3 * mebibyte)).map { UInt8($0 % 251) })
        try job.commons.writeManifest(to: job.manifest)
        XCTAssertEqual(try job.importManifest().status, 0)
        let result = try job.run(ranged)
        XCTAssertEqual(result.status, 0, result.stderr)

        let stats = job.commons.stats
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
            XCTAssertEqual(stats.bytesServed[object.guid], object.size, "\(object.fileName): every byte once")
            if object.guid == small.guid {
                XCTAssertNil(stats.rangeStarts[object.guid], "a file below the threshold comes whole")
            } else {
                XCTAssertEqual(stats.rangeStarts[object.guid]?.sorted(), plannedStarts(size: object.size), object.fileName)
            }
        }
        XCTAssertEqual(job.downloadedFiles, job.commons.objects.map(\.fileName).sorted(), "part files or strays")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM file_ranges"), ["0"], "a done file's ranges are forgotten")
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["done\t4"])
    }

    /// The ranges of one file are fetched at once: with every request held open by the storage
    /// host, none can end, yet the first ranges are all asked for, on as many connections as
    /// allowed and no more. After a kill the next run fetches each range once.
    func testRangesOfOneFileRunAtOnceUpToTheConnectionLimit() throws {
        let job = try JobFixture(objects: 1, minSize: 16 * mebibyte, maxSize: 16 * mebibyte)
        XCTAssertEqual(try job.importManifest().status, 0)
        let object = job.commons.objects[0]
        let planned = plannedStarts(size: object.size, connections: 3)
        job.commons.setFault(.stall, guid: object.guid, times: .always)
        let run = try job.startRun(ranged + ["--max-connections-per-file", "3", "--stall-timeout", "600"])
        try job.commons.waitForStats(timeout: 60, "three ranges asked for at once") {
            Set($0.rangeStarts[object.guid] ?? []).isSuperset(of: planned.prefix(3))
        }
        try Gen3Process.killGroup(run)
        try run.waitForExit()
        job.commons.clearFaults()

        let before = try DiskState(job)
        XCTAssertEqual(before.rangeStarts[object.guid]?.sorted(), Array(planned.prefix(3)), "a fourth connection")
        XCTAssertEqual(
            try recordedRanges(job, object.guid).map(\.start), planned.map(Int64.init), "the plan is recorded before the first byte")
        let result = try job.run(ranged + ["--max-connections-per-file", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let stats = job.commons.stats
        XCTAssertEqual(stats.rangeStarts[object.guid]?.dropFirst(before.rangeStarts[object.guid]?.count ?? 0).sorted(), planned)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
    }

    /// `--max-connections-per-file 1` fetches a large file whole, with one request.
    func testOneConnectionPerFileFetchesLargeFilesWhole() throws {
        let job = try JobFixture(objects: 1, minSize: 12 * mebibyte, maxSize: 12 * mebibyte)
        XCTAssertEqual(try job.importManifest().status, 0)
        let result = try job.run(ranged + ["--max-connections-per-file", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = job.commons.objects[0]
        XCTAssertNil(job.commons.stats.rangeStarts[object.guid])
        XCTAssertEqual(job.commons.stats.requests[.storage], 1)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
    }

    /// The two options show their defaults and refuse what they cannot use.
    func testTheRangeOptionsShowTheirDefaultsAndRefuseNonsense() throws {
        let help = try Gen3Process.run(["run", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("--max-connections-per-file <max-connections-per-file>"), help)
        XCTAssertTrue(help.contains("on up to this many. 1 fetches every file on one connection. (default: 8)"), help)
        XCTAssertTrue(help.contains("--range-threshold <size>"), help)
        XCTAssertTrue(help.contains("(default: 64M)"), help)
        for (flags, message) in [
            (["--range-threshold", "lots"], "--range-threshold takes a size such as 64M or 1G, not lots"),
            (["--max-connections-per-file", "0"], "--max-connections-per-file must be at least 1"),
        ] {
            let result = try Gen3Process.run(["run"] + flags)
            XCTAssertEqual(result.status, 2, flags.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
    }

    /// A storage host that answers range requests with the whole file (200) still yields the
    /// right file: that file goes on with one connection, the others keep their ranges.
    func testAHostThatIgnoresRangeStillYieldsTheRightFile() throws {
        let job = try JobFixture(objects: 2, minSize: 12 * mebibyte, maxSize: 16 * mebibyte)
        XCTAssertEqual(try job.importManifest().status, 0)
        let (ignoring, honouring) = (job.commons.objects[0], job.commons.objects[1])
        job.commons.setFault(.ignoreRange, guid: ignoring.guid, times: .always)
        let result = try job.run(ranged)
        XCTAssertEqual(result.status, 0, result.stderr)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        let stats = job.commons.stats
        XCTAssertEqual(stats.rangeStarts[honouring.guid]?.sorted(), plannedStarts(size: honouring.size))
        XCTAssertGreaterThan(stats.rangeStarts[ignoring.guid]?.count ?? 0, 0, "the ignoring host was asked for ranges")
        XCTAssertGreaterThan(stats.faultsFired, 0)
        XCTAssertEqual(job.downloadedFiles, job.commons.objects.map(\.fileName).sorted(), "part files or strays")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM file_ranges"), ["0"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome <> 'done'"), ["0"], "the fallback costs no attempt")
    }

    /// A ranged file whose md5 does not match (one flipped byte in one range) is thrown away and
    /// fetched again, ranges and all; the renamer, not the transfer loop, waits for its md5.
    func testARangedFileWithTheWrongMD5IsFetchedAgain() throws {
        let job = try JobFixture(objects: 1, minSize: 12 * mebibyte, maxSize: 12 * mebibyte)
        XCTAssertEqual(try job.importManifest().status, 0)
        let object = job.commons.objects[0]
        job.commons.setFault(.corrupt, guid: object.guid, times: .times(1))
        let result = try job.run(ranged)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        XCTAssertEqual(try job.sql("SELECT outcome FROM attempts ORDER BY id"), ["retry", "done"])
        XCTAssertTrue(try job.sql("SELECT error FROM attempts WHERE outcome = 'retry'").first?.contains("md5 mismatch") == true)
        XCTAssertEqual(job.commons.stats.rangeStarts[object.guid]?.count, 2 * plannedStarts(size: object.size).count, "every range twice")
        XCTAssertEqual(job.downloadedFiles, [object.fileName])
    }

    /// A file shorter than its manifest says is never taken for complete: the ranges past its end
    /// are refused (416) and the file fails with the reason, nothing at its name.
    func testAFileShorterThanTheManifestSaysFails() throws {
        let job = try JobFixture(objects: 1, minSize: 12 * mebibyte, maxSize: 12 * mebibyte)
        let object = job.commons.objects[0]
        let manifest = job.directory.file("longer.tsv")
        try "guid\tfile_name\tsize\n\(object.guid)\t\(object.fileName)\t\(20 * mebibyte)\n".write(
            toFile: manifest, atomically: false, encoding: .utf8)
        XCTAssertEqual(try job.importManifest(manifest).status, 0)
        let result = try job.run(ranged + ["--max-attempts", "1"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(try job.sql("SELECT state FROM files"), ["failed"])
        XCTAssertTrue(try job.sql("SELECT last_error FROM files").first?.contains("416") == true)
        XCTAssertFalse(job.downloadedFiles.contains(object.fileName))
    }

    /// A part file of full length whose recorded ranges are not all done has holes: it is never
    /// taken for a complete file, and only the missing range is fetched.
    func testAFullLengthPartFileWithAMissingRangeFetchesOnlyThatRange() throws {
        let size = 12 * mebibyte
        let job = try JobFixture(objects: 1, minSize: size, maxSize: size)
        XCTAssertEqual(try job.importManifest().status, 0)
        let object = job.commons.objects[0]
        var ranges = RangePlan.split(size: Int64(size), connections: 4).map { FileRange(start: $0.start, end: $0.end, done: $0.length) }
        XCTAssertEqual(ranges.count, 12)
        ranges[5].done = 0
        var bytes = try XCTUnwrap(job.commons.content(of: object.guid))
        for offset in Int(ranges[5].start)..<Int(ranges[5].end) { bytes[offset] = 0 }
        try FileManager.default.createDirectory(atPath: job.downloads, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: job.downloads + "/" + object.fileName + ".part", contents: Data(bytes)))
        // As an attempt that was killed leaves it: claimed before, its ranges recorded.
        XCTAssertEqual(try job.gen3(["sql", "--write", "UPDATE files SET started_at = 1"]).status, 0)
        let fileID = try XCTUnwrap(try job.sql("SELECT id FROM files").first.flatMap { Int64($0) })
        try JobStore(path: job.database, create: false).replaceRanges(fileID: fileID, ranges)

        let result = try job.run(ranged)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(job.commons.stats.rangeStarts[object.guid], [Int(ranges[5].start)])
        XCTAssertEqual(job.commons.stats.bytesServed[object.guid], Int(ranges[5].length))
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        XCTAssertEqual(try job.sql("SELECT outcome FROM attempts"), ["done"])
    }

    /// kill -9 once 5¾ ranges' worth of a ranged file is written, wherever that lands. Ranges
    /// complete whole, so over a whole number of them are under way: 1½ range or more among the
    /// (at most 4) running ones, so one of them is over a checkpoint step in, and recorded.
    func testKillNineMidFileResumesEveryRangeFromItsRecord() throws {
        let size = 16 * mebibyte + 12_345
        let range = Int(RangePlan.rangeSize(fileSize: Int64(size), connections: 4))
        try killAndResume(size: size, killPoint: ["GEN3_TEST_KILL_AFTER_BYTES": "\(5 * range + 3 * range / 4)"])
    }

    /// kill -9 right after a record that a range paused at its checkpoint step waited for, before
    /// it writes another byte: a record made ahead of its bytes would show.
    func testKillNineRightAfterARecordFindsEveryRecordedByteOnDisk() throws {
        try killAndResume(size: 16 * mebibyte + 12_345, killPoint: ["GEN3_TEST_KILL_AFTER_RANGE_RECORDS": "12"])
    }

    /// kill -9 in the middle of a ranged file at `killPoint` (a crash hook), then a run to the end:
    /// the job database never claims a byte the part file lacks, and lags the part file by at most
    /// a checkpoint step per range; the next run asks for each range from its record, for exactly
    /// the missing bytes, and ends with the right file.
    private func killAndResume(size: Int, killPoint: [String: String]) throws {
        let job = try JobFixture(objects: 1, minSize: size, maxSize: size)
        XCTAssertEqual(try job.importManifest().status, 0)
        let object = job.commons.objects[0]
        let step = 256 << 10
        let killed = try job.run(ranged, environment: killPoint.merging(["GEN3_TEST_RANGE_CHECKPOINT_BYTES": "\(step)"]) { $1 })
        XCTAssertTrue(killed.signal == SIGKILL || killed.status == SIGKILL, "the kill hook did not fire: \(killed.stderr)")

        let before = try DiskState(job)
        let recorded = try recordedRanges(job, object.guid)
        XCTAssertEqual(recorded.map(\.start), plannedStarts(size: size).map(Int64.init))
        let content = try XCTUnwrap(job.commons.content(of: object.guid))
        let part = try XCTUnwrap(FileManager.default.contents(atPath: job.downloads + "/" + object.fileName + ".part").map { [UInt8]($0) })
        for range in recorded {
            let (start, next, end) = (Int(range.start), Int(range.next), Int(range.end))
            guard range.done > 0 else { continue }
            XCTAssertLessThanOrEqual(next, part.count, "range \(start): recorded past the part file's end")
            let recordedBytes = start..<min(next, part.count)
            XCTAssertTrue(part[recordedBytes].elementsEqual(content[recordedBytes]), "range \(start): a byte recorded done is wrong")
            // Beyond the record: bytes written since its last checkpoint (then a hole, or the end).
            var written = next
            while written < min(end, part.count) && part[written] == content[written] { written += 1 }
            // A few more bytes may match by chance.
            XCTAssertLessThanOrEqual(written - next, step + 16, "range \(start): more written than recorded")
        }
        XCTAssertTrue(recorded.contains { $0.done > 0 && !$0.isComplete }, "no range was under way at the kill: nothing was tested")

        let result = try job.run(ranged)
        XCTAssertEqual(result.status, 0, result.stderr)
        let stats = job.commons.stats
        // As a set: a request the killed run sent as it died may reach the commons only now.
        let starts = Set(stats.rangeStarts[object.guid]?.dropFirst(before.rangeStarts[object.guid]?.count ?? 0) ?? [])
        XCTAssertEqual(starts, Set(recorded.filter { !$0.isComplete }.map { Int($0.next) }), "each range resumes from its record")
        let missing = recorded.reduce(0) { $0 + Int($1.length - $1.done) }
        XCTAssertEqual((stats.bytesServed[object.guid] ?? 0) - (before.served[object.guid] ?? 0), missing, "only the missing bytes")
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        XCTAssertEqual(job.downloadedFiles, [object.fileName], "a part file left")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM file_ranges"), ["0"])
        let served = stats.bytesServed[object.guid] ?? 0
        print(
            String(
                format: "ranged kill: %d ranges, %d recorded done at the kill, %d bytes served for a %d-byte file: %.2f%% re-sent",
                recorded.count, size - missing, served, size, Double(served - size) / Double(size) * 100))
    }
}
