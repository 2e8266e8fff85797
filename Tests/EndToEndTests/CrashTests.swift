import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// kill -9 anywhere: the whole process group dies at chosen points (mid-body, and between a rename
/// and its commit), then the same command runs again until it succeeds.
final class CrashTests: XCTestCase {
    func testKillNineAnywhereResumesExactly() throws {
        let job = try JobFixture(objects: 300, minSize: 1024, maxSize: 96 * 1024)
        XCTAssertEqual(try job.importManifest().status, 0)
        let dataset = job.commons.objects.reduce(0) { $0 + $1.size }
        let workers = 2
        let concurrency = 8
        let killPoints: [[String: String]] = [
            ["GEN3_TEST_KILL_AFTER_BYTES": "\(dataset / 10)"],
            ["GEN3_TEST_KILL_AFTER_RENAMES": "40"],
            ["GEN3_TEST_KILL_AFTER_BYTES": "\(dataset / 8)"],
            ["GEN3_TEST_KILL_AFTER_RENAMES": "25"],
        ]
        let arguments = ["--workers", "\(workers)", "--max-concurrent-requests", "\(concurrency)", "--no-progress"]
        var kills = 0
        var continued = 0
        for environment in killPoints {
            let before = try DiskState(job)
            let run = try job.run(arguments, environment: environment)
            if run.signal == SIGKILL || run.status == SIGKILL { kills += 1 }
            XCTAssertEqual(try before.refetched(since: job, continued: &continued), [])
        }
        XCTAssertGreaterThanOrEqual(kills, 3, "the crash hooks did not fire")
        let before = try DiskState(job)
        let final = try job.run(arguments)
        XCTAssertEqual(final.status, 0, final.stdout + final.stderr)
        XCTAssertEqual(try before.refetched(since: job, continued: &continued), [])

        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        XCTAssertEqual(job.downloadedFiles.count, 300, "left-over .part files: \(job.downloadedFiles.filter { $0.hasSuffix(".part") })")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["300"])
        let served = job.commons.stats.totalBytesServed
        let resent = Double(served - dataset) / Double(dataset) * 100
        print(String(format: "crash test: %d kills, %d bytes served for a %d-byte dataset: %.2f%% re-sent", kills, served, dataset, resent))
    }

    func testTwoSupervisorsOnOneDatabaseOneKilled() throws {
        let job = try JobFixture(objects: 80, minSize: 16 * 1024, maxSize: 64 * 1024)
        XCTAssertEqual(try job.importManifest().status, 0)
        let common = [
            "--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials, "run",
            "--workers", "1", "--max-concurrent-requests", "4", "--lease-seconds", "2", "--no-progress",
            "--retry-base-delay", "0.05",
        ]
        // The victim kills its own process group after 10 files, leaving claimed rows with live leases.
        let victim = try Gen3Process.start(
            ["--db", job.database] + common.dropFirst(2), environment: ["GEN3_TEST_KILL_AFTER_RENAMES": "10"],
            stdout: job.directory.file("a.out"), stderr: job.directory.file("a.err"))
        // Once the victim fetches bodies it holds a claimed batch, so it reaches its 10th rename
        // whichever process is faster from here on.
        try job.commons.waitForRequests(route: .storage, count: 1)
        let survivor = try Gen3Process.start(Array(common), stdout: job.directory.file("b.out"), stderr: job.directory.file("b.err"))
        try victim.waitForExit()
        try survivor.waitForExit()
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        XCTAssertEqual(survivor.terminationStatus, 0, (try? String(contentsOfFile: job.directory.file("b.err"), encoding: .utf8)) ?? "")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["80"])
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
    }
}
