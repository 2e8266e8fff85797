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
        for environment in killPoints {
            let before = try DurableState(job)
            let run = try job.run(arguments, environment: environment)
            if run.signal == SIGKILL || run.status == SIGKILL { kills += 1 }
            before.assertNothingFetchedTwice(since: job)
        }
        XCTAssertGreaterThanOrEqual(kills, 3, "the crash hooks did not fire")
        let before = try DurableState(job)
        let final = try job.run(arguments)
        XCTAssertEqual(final.status, 0, final.stdout + final.stderr)
        before.assertNothingFetchedTwice(since: job)

        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        XCTAssertEqual(job.downloadedFiles.count, 300, "left-over .part files: \(job.downloadedFiles.filter { $0.hasSuffix(".part") })")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["300"])
        let served = job.commons.stats.totalBytesServed
        let resent = Double(served - dataset) / Double(dataset) * 100
        print(String(format: "crash test: %d kills, %d bytes served for a %d-byte dataset: %.2f%% re-sent", kills, served, dataset, resent))
    }

    /// What was on disk before a run, to check what that run fetched against. A kill loses what was
    /// only in memory (bodies in flight, small bodies queued for their sync), and those are fetched
    /// again: how many depends on where the kill lands. What was on disk never is: a file at its
    /// final name is verified in place, and a part file is continued from its end.
    private struct DurableState {
        let served: [String: Int]
        let finished: Set<String>
        let parts: [String: Int]

        /// Waits for the connections of a killed run to close first: its orphaned workers may still be
        /// dying, and bytes the commons writes to them until then belong to that run.
        init(_ job: JobFixture) throws {
            try job.commons.waitForConnectionsClosed()
            served = job.commons.stats.bytesServed
            let names = job.downloadedFiles
            finished = Set(names.filter { !$0.hasSuffix(".part") })
            parts = Dictionary(
                uniqueKeysWithValues: names.filter { $0.hasSuffix(".part") }.map { name in
                    (String(name.dropLast(".part".count)), Int(FilePaths.fileSize(job.downloads + "/" + name) ?? 0))
                })
        }

        func assertNothingFetchedTwice(since job: JobFixture, file: StaticString = #filePath, line: UInt = #line) {
            let now = job.commons.stats.bytesServed
            for object in job.commons.objects {
                let fetched = (now[object.guid] ?? 0) - (served[object.guid] ?? 0)
                if finished.contains(object.fileName) {
                    XCTAssertEqual(fetched, 0, "\(object.fileName) was at its final name and was fetched again", file: file, line: line)
                } else {
                    let kept = parts[object.fileName] ?? 0
                    XCTAssertLessThanOrEqual(
                        fetched, object.size - kept,
                        "\(object.fileName): \(kept) bytes in its part file, \(fetched) of \(object.size) fetched",
                        file: file, line: line)
                }
            }
        }
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
