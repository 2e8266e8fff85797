import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// The main job end to end: the real binary, a real commons on loopback, real files.
final class EngineTests: XCTestCase {
    func testImportThenRunDownloadsEveryFileVerified() throws {
        let job = try JobFixture(objects: 40)
        let imported = try job.importManifest()
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("40 new files"), imported.stdout)

        let run = try job.run()
        XCTAssertEqual(run.status, 0, run.stderr + run.stdout)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        XCTAssertEqual(job.downloadedFiles.count, 40, "no .part or stray files: \(job.downloadedFiles)")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done' AND actual_md5 = expected_md5"), ["40"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome = 'done'"), ["40"])
        // Workers spread across processes: at least one lease owner recorded per attempt.
        XCTAssertFalse(try job.sql("SELECT DISTINCT worker FROM attempts").isEmpty)
    }

    /// Empty, mid-sized and large files (in memory, part files, the background writer), synced by
    /// group and one by one, in two worker processes that get the flag from the supervisor.
    func testEverySizeAndSyncModeDownloadsEveryFileVerified() throws {
        for flags in [["--workers", "2"], ["--workers", "2", "--sync-each-file"]] {
            let job = try JobFixture(objects: 12, minSize: 1024, maxSize: 9 << 20) { $0.emptyObjectCount = 2 }
            XCTAssertTrue(
                job.commons.objects.contains { $0.size == 0 } && job.commons.objects.contains { $0.size >= 8 << 20 },
                "the sizes cover both ends: \(job.commons.objects.map(\.size))")
            XCTAssertEqual(try job.importManifest().status, 0)
            let run = try job.run(flags + ["--no-progress"])
            XCTAssertEqual(run.status, 0, "\(flags): " + run.stderr + run.stdout)
            for object in job.commons.objects {
                XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, "\(flags) \(object.fileName)")
            }
            XCTAssertEqual(job.downloadedFiles.count, 12, "no .part or stray files: \(job.downloadedFiles)")
            XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done' AND actual_md5 = expected_md5"), ["12"])
        }
    }

    func testSecondRunFetchesNothing() throws {
        let job = try JobFixture(objects: 10)
        try job.importManifest()
        XCTAssertEqual(try job.run().status, 0)
        let served = job.commons.stats.totalBytesServed
        let again = try job.run()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(job.commons.stats.totalBytesServed, served, "a finished file was fetched again")
    }

    func testStatusAndSQLReportProgress() throws {
        let job = try JobFixture(objects: 5)
        try job.importManifest()
        let before = try job.gen3(["status"])
        XCTAssertEqual(before.status, 0, before.stderr)
        XCTAssertTrue(before.stdout.contains("pending         5"), before.stdout)
        try job.run()
        XCTAssertEqual(try job.sql("SELECT state, files FROM progress"), ["done\t5"])
        let header = try job.gen3(["sql", "SELECT count(*) AS n FROM files"])
        XCTAssertEqual(header.stdout, "n\n5\n")
    }

    func testImportIsIdempotentAndNeverResetsFinishedRows() throws {
        let job = try JobFixture(objects: 6)
        try job.importManifest()
        XCTAssertEqual(try job.run().status, 0)
        // An overlapping manifest: three known GUIDs and two new objects, one of them twice.
        let added = [
            job.commons.addObject(guid: "dg.TEST/new-1", fileName: "new-1.bin", content: Array(repeating: 7, count: 100)),
            job.commons.addObject(guid: "dg.TEST/new-2", fileName: "new-2.bin", content: Array(repeating: 9, count: 200)),
        ]
        let overlap = job.directory.file("overlap.json")
        try job.commons.writeManifest(to: overlap, guids: job.commons.objects.prefix(3).map(\.guid) + added.map(\.guid) + [added[0].guid])
        let second = try job.importManifest(overlap)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("6 entries") && second.stdout.contains("2 new files"), second.stdout)
        XCTAssertTrue(second.stdout.contains("3 already in the job"), second.stdout)
        XCTAssertTrue(second.stdout.contains("1 repeated GUIDs"), second.stdout)
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state ORDER BY state"), ["done\t6", "pending\t2"])
        XCTAssertEqual(try job.run().status, 0)
        XCTAssertEqual(job.md5(ofDownloaded: "new-2.bin"), added[1].md5)
    }

    func testMalformedManifestFailsWholeImportAndLeavesDatabaseAsItWas() throws {
        let job = try JobFixture(objects: 3)
        try job.importManifest()
        let bad = job.directory.file("bad.json")
        let good = "{\"object_id\": \"dg.TEST/a\", \"file_name\": \"a\"}"
        try "[\n\(good),\n\(good.replacingOccurrences(of: "dg.TEST/a", with: "dg.TEST/b")),\n{\"object_id\": 12}\n]".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let result = try job.importManifest(bad)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("bad.json") && result.stderr.contains(":4"), result.stderr)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files"), ["3"], "the failed import left rows behind")
    }

    func testTSVAndCSVManifests() throws {
        for format in [ManifestFileFormat.tsv, .csv] {
            let job = try JobFixture(objects: 4)
            let path = job.directory.file("manifest.\(format.rawValue)")
            try job.commons.writeManifest(to: path, format: format)
            XCTAssertEqual(try job.importManifest(path).status, 0)
            XCTAssertEqual(try job.run().status, 0)
            for object in job.commons.objects {
                XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, "\(format) \(object.fileName)")
            }
        }
    }

    func testManifestWithoutMetadataAsksIndexd() throws {
        let job = try JobFixture(objects: 4)
        let bare = job.directory.file("bare.tsv")
        try ("guid\n" + job.commons.objects.map(\.guid).joined(separator: "\n") + "\n").write(
            toFile: bare, atomically: true, encoding: .utf8)
        let imported = try job.importManifest(bare)
        XCTAssertTrue(imported.stdout.contains("4 without name or size"), imported.stdout)
        XCTAssertEqual(try job.run().status, 0)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        }
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE expected_md5 IS NOT NULL AND dest_name IS NOT NULL"), ["4"])
    }

    func testUnknownGUIDFailsWithReasonWhileTheRestFinish() throws {
        let job = try JobFixture(objects: 5)
        let path = job.directory.file("with-unknown.json")
        try job.commons.writeManifest(to: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "[", with: "[{\"object_id\": \"dg.TEST/does-not-exist\", \"file_name\": \"x.bin\", \"file_size\": 10},", options: [],
            range: text.range(of: "["))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try job.importManifest(path).status, 0)
        let run = try job.run()
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertTrue(run.stdout.contains("dg.TEST/does-not-exist"), run.stdout)
        XCTAssertTrue(run.stdout.contains("--retry-failed"), run.stdout)
        XCTAssertEqual(try job.sql("SELECT last_http_status, attempts FROM failures"), ["404\t1"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["5"])
    }

    func testMD5MismatchIsRetriedThenFailedWithBothSums() throws {
        let job = try JobFixture(objects: 2)
        let victim = job.commons.objects[0]
        job.commons.setFault(.corrupt, guid: victim.guid, times: .always)
        try job.importManifest()
        let run = try job.run(["--max-attempts", "3"])
        XCTAssertEqual(run.status, 1)
        let reason = try job.sql("SELECT attempts, last_error FROM failures")
        XCTAssertEqual(reason.count, 1)
        XCTAssertTrue(reason[0].hasPrefix("3\tmd5 mismatch: expected \(victim.md5), got "), reason[0])
        XCTAssertNil(job.md5(ofDownloaded: victim.fileName), "a corrupt file reached its final name")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome = 'retry'"), ["2"])
    }

    func testCredentialProblemsExitTwoBeforeAnyWork() throws {
        let job = try JobFixture(objects: 2)
        try job.importManifest()
        let missing = try Gen3Process.run(["--db", job.database, "--auth", job.directory.file("nope.json"), "run"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no credentials file"), missing.stderr)

        let malformed = job.directory.file("malformed.json")
        try "{not json".write(toFile: malformed, atomically: true, encoding: .utf8)
        let bad = try Gen3Process.run(["--db", job.database, "--endpoint", job.commons.endpoint, "--auth", malformed, "run"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("not a Gen3 credentials file"), bad.stderr)

        let rejected = job.directory.file("rejected.json")
        try job.commons.writeCredentials(to: rejected, apiKeyValid: false)
        let refused = try Gen3Process.run(["--db", job.database, "--endpoint", job.commons.endpoint, "--auth", rejected, "run"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("rejected the API key"), refused.stderr)
        XCTAssertEqual(job.commons.stats.totalBytesServed, 0)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'pending'"), ["2"])
    }

    func testEndpointComesFromTheAPIKeyIssuer() throws {
        let job = try JobFixture(objects: 2)
        XCTAssertEqual(
            try Gen3Process.run([
                "--db", job.database, "--auth", job.credentials, "import-manifest",
                "--manifest", job.manifest, "--download-path", job.downloads,
            ]).status, 0)
        let run = try Gen3Process.run(["--db", job.database, "run", "--workers", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(job.downloadedFiles.count, 2)
    }

    func testNameClashesStopTheImportUnlessRenamed() throws {
        let job = try JobFixture(objects: 0)
        let first = job.commons.addObject(guid: "dg.TEST/one", fileName: "same.txt", content: Array("one".utf8))
        let second = job.commons.addObject(guid: "dg.TEST/two", fileName: "same.txt", content: Array("two!".utf8))
        try job.commons.writeManifest(to: job.manifest)
        let refused = try job.importManifest()
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("same.txt: dg.TEST/one, dg.TEST/two") && refused.stderr.contains("--rename"), refused.stderr)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files"), ["0"])

        XCTAssertEqual(try job.importManifest(extra: ["--rename"]).status, 0)
        XCTAssertEqual(try job.run().status, 0)
        XCTAssertEqual(job.md5(ofDownloaded: "same.txt"), first.md5)
        XCTAssertEqual(job.md5(ofDownloaded: "same_1.txt"), second.md5)
    }
}
