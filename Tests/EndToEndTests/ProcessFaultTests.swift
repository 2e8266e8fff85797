import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// Faults that take more than one process or a resource limit.
final class ProcessFaultTests: XCTestCase {
    func testAFullDiskStopsTheRunWithExitTwoAndLosesNothing() throws {
        let job = try JobFixture(objects: 2, minSize: 2 << 20, maxSize: 2 << 20)
        XCTAssertEqual(try job.importManifest().status, 0)
        // A 1 MiB file size limit: every download hits EFBIG halfway, as it would hit ENOSPC.
        let command =
            ([
                Gen3Process.gen3Path, "--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials,
                "run", "--workers", "1", "--no-progress",
            ]).map { "'\($0)'" }.joined(separator: " ")
        let run = try Gen3Process.runShell("ulimit -f 2048; exec \(command)")
        XCTAssertEqual(run.status, 2, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains(job.downloads) && run.stderr.contains("File too large"), run.stderr)
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t2"], "a row was failed for a full disk")
        // What each part file holds, measured on disk: the next run must ask for exactly the rest.
        var kept: [String: Int] = [:]
        for object in job.commons.objects {
            let size = (try? FileManager.default.attributesOfItem(atPath: job.downloads + "/" + object.fileName + ".part"))?[.size]
            kept[object.guid] = (size as? NSNumber)?.intValue ?? 0
        }
        XCTAssertTrue(kept.values.contains { $0 > 0 }, "the partial file was not kept: \(job.downloadedFiles)")
        try job.commons.waitForConnectionsClosed()
        let servedBefore = job.commons.stats.bytesServed
        XCTAssertEqual(job.commons.stats.rangeStarts, [:])
        // With room again, the same command finishes, continuing the partial files.
        XCTAssertEqual(try job.run().status, 0)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
            let part = kept[object.guid] ?? 0
            XCTAssertEqual(job.commons.stats.rangeStarts[object.guid], part > 0 ? [part] : nil, "continued from the wrong byte")
            XCTAssertEqual(
                (job.commons.stats.bytesServed[object.guid] ?? 0) - (servedBefore[object.guid] ?? 0), object.size - part,
                "bytes kept on disk were fetched again")
        }
    }

    func testAFatalErrorInOneWorkerStopsTheOthersWithoutCallingThemCrashed() throws {
        let job = try JobFixture(objects: 2, minSize: 64 << 10, maxSize: 4 << 20)
        XCTAssertEqual(try job.importManifest().status, 0)
        let sizes = job.commons.objects.map(\.size).sorted()
        // A file size limit between the two: one worker's file fails with EFBIG (as a full disk's
        // would), and the supervisor stops the other.
        let blocks = sizes[0] / 1024 + 1
        XCTAssertGreaterThan(sizes[1], blocks * 1024, "the seeded sizes leave no limit between them")
        let command =
            ([
                Gen3Process.gen3Path, "--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials,
                "run", "--workers", "2", "--no-progress",
            ]).map { "'\($0)'" }.joined(separator: " ")
        let run = try Gen3Process.runShell("ulimit -f \(blocks); exec \(command)")
        XCTAssertEqual(run.status, 2, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("File too large"), run.stderr)
        XCTAssertFalse(run.stderr.contains("exited with status"), "a worker the supervisor stopped was reported as crashed: \(run.stderr)")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'claimed'"), ["0"])
    }

    func testRowsOfAClaimWhoseAnswerWasLostGoBackAndTheRunEnds() throws {
        let job = try JobFixture(objects: 30)
        XCTAssertEqual(try job.importManifest().status, 0)
        // Two claims commit and their rows never reach the worker, which heartbeats them as its own:
        // without their release the run waits for them forever (the watchdog ends it).
        let run = try job.run(["--workers", "1", "--batch-size", "8"], environment: ["GEN3_TEST_LOSE_CLAIMS": "2"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("claimed in this worker's name that it never received"), run.stderr)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["done\t30"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome != 'done'"), ["0"], "a lost claim cost an attempt")
    }

    func testAServerThatIgnoresRangeMeansStartingOver() throws {
        let job = try JobFixture(objects: 1, minSize: 128 * 1024, maxSize: 128 * 1024)
        let object = job.commons.objects[0]
        job.commons.setFault(.resetAfter(bytes: 50_000), guid: object.guid, times: .times(1))
        job.commons.setFault(.ignoreRange, guid: object.guid, times: .times(1))
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run().status, 0)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        XCTAssertEqual(job.commons.stats.rangeRequests, 1, "the second attempt did not ask for a range")
        XCTAssertEqual(try job.sql("SELECT outcome FROM attempts ORDER BY id"), ["retry", "done"])
    }

    func testAWorkerKilledMidRunIsReplacedAndItsFilesReleased() throws {
        let job = try JobFixture(objects: 4)
        XCTAssertEqual(try job.importManifest().status, 0)
        job.commons.setFault(.stall, guid: nil, times: .times(2))
        let process = try job.startRun(["--workers", "2", "--max-concurrent-requests", "2"])
        try job.commons.waitForRequests(route: .storage, count: 2)
        let workers = ChildProcesses.of(process.processIdentifier)
        XCTAssertEqual(workers.count, 2)
        for worker in workers { kill(worker, SIGKILL) }
        try process.waitForExit()
        let log = job.runErrors
        XCTAssertEqual(process.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("killed by signal 9; released"), log)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }
}

extension ProcessFaultTests {
    /// Ctrl-C on a terminal signals the supervisor and every worker; the supervisor then forwards
    /// SIGTERM. Workers must still stop gracefully: release their files and exit, then 130.
    /// A run of two files whose bodies stall, once both bodies have been asked for.
    private func startStalledRun(workers: Int) throws -> (JobFixture, Process) {
        let job = try JobFixture(objects: 2)
        XCTAssertEqual(try job.importManifest().status, 0)
        job.commons.setFault(.stall, guid: nil, times: .times(2))
        let process = try job.startRun(["--workers", "\(workers)"])
        try job.commons.waitForRequests(route: .storage, count: 2)
        return (job, process)
    }

    func testCtrlCReachingEveryProcessStopsGracefully() throws {
        let (job, process) = try startStalledRun(workers: 2)
        let workers = ChildProcesses.of(process.processIdentifier)
        XCTAssertEqual(workers.count, 2)
        for pid in workers + [process.processIdentifier] { kill(pid, SIGINT) }
        try process.waitForExit()
        XCTAssertEqual(process.terminationStatus, 130, job.runErrors)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome = 'released'"), ["2"], "the worker did not stop gracefully")
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t2"])
    }

    /// One worker runs inside the run process (no child): a stop still releases its files.
    func testASingleWorkerRunsInProcessAndStopsGracefully() throws {
        let (job, process) = try startStalledRun(workers: 1)
        XCTAssertEqual(ChildProcesses.of(process.processIdentifier), [], "a single worker should not be a process of its own")
        kill(process.processIdentifier, SIGINT)
        try process.waitForExit()
        XCTAssertEqual(process.terminationStatus, 130, job.runErrors)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome = 'released'"), ["2"])
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t2"])
        XCTAssertEqual(try job.run().status, 0)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }
}
