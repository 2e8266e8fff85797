import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// Limits the machine imposes: a file system that really fills up, a worker that keeps dying.
final class ResourceLimitTests: XCTestCase {
    /// A tmpfs of `megabytes` MiB mounted at `path` (tests run as root in CI); skipped, saying why,
    /// where mounting is not allowed.
    private func mountSmallFileSystem(at path: String, megabytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = try Gen3Process.runShell("mount -t tmpfs -o size=\(megabytes)m gen3-test '\(path)'")
        if mount.status != 0 {
            throw XCTSkip("cannot mount a small tmpfs here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): needs root")
        }
        addTeardownBlock { _ = try? Gen3Process.runShell("umount -l '\(path)'") }
    }

    /// ENOSPC, not a file size limit: small files (assembled in memory, written by the renamer) on a
    /// file system that fills up, with two worker processes. The run stops with exit 2 and says
    /// so; no file is failed for it; every file it finished is whole; with room again, the same
    /// command finishes the rest.
    func testAFileSystemThatFillsUpStopsTheRunAndLosesNothing() throws {
        let job = try JobFixture(objects: 120, minSize: 30 * 1024, maxSize: 40 * 1024)
        try mountSmallFileSystem(at: job.downloads, megabytes: 2)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["--workers", "2", "--no-progress", "--ignore-free-space"])
        XCTAssertEqual(run.status, 2, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("No space left on device"), run.stderr)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'failed'"), ["0"], "a file was failed for a full disk")
        let done = try job.sql("SELECT dest_name FROM files WHERE state = 'done'")
        XCTAssertLessThan(done.count, 120)
        for name in done {
            let object = try XCTUnwrap(job.commons.objects.first { $0.fileName == name })
            XCTAssertEqual(job.md5(ofDownloaded: name), object.md5, "a file recorded done is not whole")
        }
        XCTAssertEqual(try Gen3Process.runShell("mount -o remount,size=16m '\(job.downloads)'").status, 0)
        let again = try job.run(["--workers", "2", "--no-progress"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    /// A low soft open-file limit with a high hard one (a common default: 1,024 soft) is raised by
    /// the run itself: 100 would not fit the default 16 transfers, and the run succeeds anyway.
    func testALowSoftOpenFileLimitIsRaised() throws {
        let job = try JobFixture(objects: 30)
        XCTAssertEqual(try job.importManifest().status, 0)
        let arguments = [
            Gen3Process.gen3Path, "--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials,
            "run", "--no-progress", "--workers", "2",
        ]
        let run = try Gen3Process.runShell(
            "ulimit -Sn 100 && ulimit -Hn 4096 && [ \"$(ulimit -Sn)\" = 100 ] && exec " + arguments.map { "'\($0)'" }.joined(separator: " ")
        )
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    /// The open-file limit of the running worker processes lowered under what they already hold
    /// (`prlimit`, as an administrator could): whatever they open next fails with EMFILE. Small
    /// files are assembled in memory, so the first thing to fail is a connection's socket.
    func testRunningOutOfSocketsMidRunStopsTheRunAndLosesNothing() throws {
        try assertRunningOutOfOpenFilesStopsTheRun(objects: 40, minSize: 2 * 1024, maxSize: 60 * 1024)
    }

    /// As above with larger files: the first thing to fail is a part file opened for a retry.
    func testRunningOutOfFilesForPartsMidRunStopsTheRunAndLosesNothing() throws {
        try assertRunningOutOfOpenFilesStopsTheRun(objects: 40, minSize: 100 * 1024, maxSize: 200 * 1024)
    }

    /// The run stops with exit 2 and a message naming the open-file limit; no file is failed for it
    /// and none is left claimed; with the limit back, the same command finishes every file.
    private func assertRunningOutOfOpenFilesStopsTheRun(
        objects: Int, minSize: Int, maxSize: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else {
            throw XCTSkip("needs prlimit (util-linux) to lower a running process's open-file limit")
        }
        let job = try JobFixture(objects: objects, minSize: minSize, maxSize: maxSize)
        XCTAssertEqual(try job.importManifest().status, 0, file: file, line: line)
        // Every body trickles below the stall limit: each transfer is cut after a second and its
        // file retried, so the workers keep opening sockets and part files, and no file finishes
        // or runs out of attempts before the limit drops, however long the test takes to get there.
        job.commons.setFault(.trickle(bytesPerSecond: 100), guid: nil, times: .always)
        let run = try job.startRun([
            "--workers", "2", "--max-concurrent-requests", "4", "--stall-timeout", "1", "--max-attempts", "50",
            "--retry-base-delay", "0.05", "--retry-max-delay", "0.1",
        ])
        // Bodies flowing, and an access token asked for by the run and by each worker process, which
        // a worker does once it has opened its database and files: lowered before that, the limit
        // would stop a worker's start instead of a running one.
        try job.commons.waitForStats("both workers fetching bodies") { ($0.requests[.token] ?? 0) >= 3 && $0.totalBytesServed > 0 }
        let workers = ChildProcesses.of(run.processIdentifier)
        XCTAssertEqual(workers.count, 2, file: file, line: line)
        for worker in workers {
            // Below every descriptor a worker holds but its standard streams and report pipe, so
            // no descriptor it closes frees room for the next open.
            let lowered = try Gen3Process.runShell("prlimit --pid \(worker) --nofile=4:4")
            XCTAssertEqual(lowered.status, 0, lowered.stderr, file: file, line: line)
        }
        try run.waitForExit()
        let log = job.runErrors
        XCTAssertEqual(run.terminationStatus, 2, log, file: file, line: line)
        XCTAssertTrue(log.contains("Too many open files") && log.contains("open-file limit (ulimit -n)"), log, file: file, line: line)
        XCTAssertEqual(
            try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t\(objects)"],
            "a file was failed, or left claimed, for the open-file limit", file: file, line: line)
        job.commons.clearFaults()
        let again = try job.run(["--no-progress"])
        XCTAssertEqual(again.status, 0, again.stderr, file: file, line: line)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName, file: file, line: line)
        }
    }

    /// --limit-rate caps the whole run: two worker processes take from one bucket, and a value that
    /// is not a rate is refused. (The rate reached is the benchmark's to report.)
    func testTheRateCapIsSharedByTheWorkerProcesses() throws {
        let job = try JobFixture(objects: 6, minSize: 1 << 20, maxSize: 1 << 20)
        XCTAssertEqual(try job.importManifest().status, 0)
        // The rate itself is measured by the benchmark, not asserted here (RateLimiterTests checks the
        // bucket's arithmetic): the worker processes must share one bucket, in a file of this machine's.
        let run = try job.run(["--workers", "2", "--no-progress", "--limit-rate", "2M"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let bucket = try JobStore(path: job.database, create: false).machineLocalPath + "-rate"
        XCTAssertTrue(FileManager.default.fileExists(atPath: bucket), "the workers shared no bucket")
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
        let bad = try job.run(["--limit-rate", "fast"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--limit-rate takes a rate such as 500K, 50M or 1G"), bad.stderr)
    }

    /// A worker process that exits with an error as it starts, every time: the supervisor starts a
    /// replacement a bounded number of times, then stops the run with exit 2, and no row stays claimed.
    func testWorkersThatKeepExitingStopTheRunAfterTheRestartCap() throws {
        let job = try JobFixture(objects: 4)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["--workers", "2", "--no-progress", "-v"], environment: ["GEN3_TEST_WORKER_EXIT": "7"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("worker processes crashed 6 times; stopping"), run.stderr)
        // Two first workers and six replacements, each seen ending: with its status, or (the last
        // one, when the stop reaches it first) by the SIGTERM that stops the run.
        let exits = run.stderr.components(separatedBy: "exited with status 7").count - 1
        let stopped = run.stderr.components(separatedBy: "was killed by signal 15").count - 1
        XCTAssertEqual(exits + stopped, 8, run.stderr)
        XCTAssertGreaterThanOrEqual(exits, 7, run.stderr)
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t4"])
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 0)
    }
}
