import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// One test per fault a long download meets, against a commons that really misbehaves.
final class FaultTests: XCTestCase {
    private func job(_ objects: Int = 3, minSize: Int = 64 * 1024, maxSize: Int = 128 * 1024) throws -> JobFixture {
        let job = try JobFixture(objects: objects, minSize: minSize, maxSize: maxSize)
        XCTAssertEqual(try job.importManifest().status, 0)
        return job
    }

    private func assertAllVerified(_ job: JobFixture, file: StaticString = #filePath, line: UInt = #line) {
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName, file: file, line: line)
        }
        XCTAssertFalse(job.downloadedFiles.contains { $0.hasSuffix(".part") }, "\(job.downloadedFiles)", file: file, line: line)
    }

    func testConnectionRefusedIsRetried() throws {
        let job = try job(1)
        let object = job.commons.objects[0]
        // Port 1 on loopback: nothing listens there.
        job.commons.setFault(.presignedURL("http://127.0.0.1:1/nothing"), guid: object.guid, times: .times(2))
        let run = try job.run()
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        assertAllVerified(job)
        let errors = try job.sql("SELECT error FROM attempts WHERE outcome = 'retry'")
        XCTAssertEqual(errors.count, 2)
        XCTAssertTrue(errors.allSatisfy { $0.contains("connect") }, "\(errors)")
    }

    /// The retry asks for the rest from the first byte it lacks: the bytes the first attempt kept
    /// (its `bytes`, what reached the part file before the reset) are not fetched again.
    func testResetMidBodyContinuesFromTheBytesKept() throws {
        let job = try job(1)
        let object = job.commons.objects[0]
        job.commons.setFault(.resetAfter(bytes: 40_000), guid: object.guid, times: .times(1))
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
        let kept = try XCTUnwrap(Int(try job.sql("SELECT bytes FROM attempts WHERE outcome = 'retry'").first ?? ""))
        XCTAssertGreaterThan(kept, 0)
        XCTAssertLessThanOrEqual(kept, 40_000)
        XCTAssertEqual(job.commons.stats.rangeStarts[object.guid], [kept], "the retry did not ask from the end of the part file")
        XCTAssertEqual(job.commons.stats.bytesServed[object.guid], 40_000 + object.size - kept, "bytes were fetched twice")
    }

    /// A clean close (FIN) after 30,000 bytes: all of them reached the part file, so the retry asks
    /// from byte 30,000 and the whole object crosses the wire exactly once.
    func testShortBodyContinuesFromTheBytesKept() throws {
        let job = try job(1)
        let object = job.commons.objects[0]
        job.commons.setFault(.shortBody(bytes: 30_000), guid: object.guid, times: .times(1))
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
        XCTAssertEqual(job.commons.stats.rangeStarts[object.guid], [30_000])
        XCTAssertEqual(job.commons.stats.bytesServed[object.guid], object.size, "bytes were fetched twice")
        XCTAssertEqual(try job.sql("SELECT attempts FROM files"), ["2"])
    }

    func testServerErrorsAreRetriedWithBackoff() throws {
        for (status, route) in [(500, Route.download), (502, .storage), (503, .download), (504, .storage)] {
            let job = try job(1)
            job.commons.setFault(.status(status, at: route), guid: job.commons.objects[0].guid, times: .times(2))
            let run = try job.run()
            XCTAssertEqual(run.status, 0, "\(status): \(run.stdout)")
            assertAllVerified(job)
            XCTAssertEqual(try job.sql("SELECT http_status FROM attempts WHERE outcome = 'retry'"), ["\(status)", "\(status)"])
        }
    }

    func testRetryAfterIsWaitedOut() throws {
        let job = try job(1)
        job.commons.setFault(.status(429, at: .storage, retryAfter: 1), guid: job.commons.objects[0].guid, times: .times(1))
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
        // The second attempt started no earlier than Retry-After after the first ended.
        let gap = try job.sql(
            "SELECT b.started_at - a.finished_at FROM attempts a, attempts b WHERE a.outcome = 'retry' AND b.outcome = 'done'")
        XCTAssertGreaterThanOrEqual(Double(gap.first ?? "") ?? 0, 0.99, "\(gap)")
    }

    func testA401FromFenceRefreshesTheTokenWithoutUsingAnAttempt() throws {
        let job = try job(1)
        job.commons.setFault(.status(401, at: .download), guid: job.commons.objects[0].guid, times: .times(1))
        let tokensBefore = job.commons.stats.tokensIssued
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
        XCTAssertEqual(try job.sql("SELECT attempts FROM files"), ["1"])
        // One for the preflight check, one per worker process, and one refresh.
        XCTAssertGreaterThanOrEqual(job.commons.stats.tokensIssued - tokensBefore, 3)
    }

    func testAnExpiredPresignedURLIsReplaced() throws {
        let job = try job(1)
        job.commons.setFault(.expiredURL, guid: job.commons.objects[0].guid, times: .times(1))
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
        let errors = try job.sql("SELECT http_status, error FROM attempts WHERE outcome = 'retry'")
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].hasPrefix("403\t") && errors[0].contains("expired"), "\(errors)")
    }

    func test403And404FromFenceOrIndexdFailAtOnceWhileTheRestFinish() throws {
        let job = try job(4, minSize: 1024, maxSize: 4096)
        let objects = job.commons.objects
        job.commons.setFault(.status(403, at: .download), guid: objects[0].guid, times: .always)
        job.commons.setFault(.status(404, at: .download), guid: objects[1].guid, times: .always)
        let run = try job.run()
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            try job.sql("SELECT guid, attempts, last_http_status FROM failures ORDER BY guid").sorted(),
            ["\(objects[0].guid)\t1\t403", "\(objects[1].guid)\t1\t404"].sorted())
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["2"])

        // The metadata routes: only asked when the manifest lacks metadata. The DRS route first;
        // indexd's record when that route does not know the id; unknown to both, the file fails.
        let bare = try JobFixture(objects: 3, minSize: 1024, maxSize: 4096)
        try ("guid\n" + bare.commons.objects.map(\.guid).joined(separator: "\n") + "\n").write(
            toFile: bare.directory.file("bare.tsv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try bare.importManifest(bare.directory.file("bare.tsv")).status, 0)
        let (unknown, onlyInIndexd) = (bare.commons.objects[0].guid, bare.commons.objects[1].guid)
        bare.commons.setFault(.status(404, at: .drsObject), guid: unknown, times: .always)
        bare.commons.setFault(.status(404, at: .index), guid: unknown, times: .always)
        bare.commons.setFault(.status(404, at: .drsObject), guid: onlyInIndexd, times: .always)
        XCTAssertEqual(try bare.run().status, 1)
        let failed = try bare.sql("SELECT guid, attempts, last_error FROM failures")
        XCTAssertEqual(failed.count, 1)
        XCTAssertTrue(failed[0].hasPrefix("\(unknown)\t1\tindexd has no record"), "\(failed)")
        XCTAssertEqual(bare.commons.stats.requests[.drsObject], 3)
        XCTAssertEqual(bare.commons.stats.requests[.index], 2, "indexd is asked only of the ids the DRS route did not know")
        XCTAssertEqual(bare.md5(ofDownloaded: bare.commons.objects[1].fileName), bare.commons.objects[1].md5)
    }

    func testAStalledTransferIsRetried() throws {
        let job = try job(1)
        job.commons.setFault(.stall, guid: job.commons.objects[0].guid, times: .times(1))
        XCTAssertEqual(try job.run(["--stall-timeout", "1"]).status, 0)
        assertAllVerified(job)
        let errors = try job.sql("SELECT error FROM attempts WHERE outcome = 'retry'")
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].lowercased().contains("timeout") || errors[0].lowercased().contains("too slow"), "\(errors)")
    }

    func testRetryPutsFailedFilesBack() throws {
        let job = try job(2, minSize: 1024, maxSize: 4096)
        job.commons.setFault(.status(403, at: .download), guid: job.commons.objects[0].guid, times: .times(1))
        XCTAssertEqual(try job.run().status, 1)
        let retried = try job.gen3(["retry"])
        XCTAssertTrue(retried.stdout.hasPrefix("1 failed files are pending again"), retried.stdout)
        XCTAssertNil(try job.countsDrift(), "after gen3 retry")
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
        XCTAssertNil(try job.countsDrift())
    }

    func testSIGTERMReleasesInFlightFilesAndTheNextRunFinishes() throws {
        let job = try job(2)
        job.commons.setFault(.stall, guid: nil, times: .times(2))
        let process = try job.startRun(["--workers", "1"])
        // Both transfers are in flight once the storage host has answered both stalled requests.
        try job.commons.waitForRequests(route: .storage, count: 2)
        process.terminate()
        try process.waitForExit()
        XCTAssertEqual(process.terminationStatus, 143, job.runErrors)
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t2"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome = 'released'"), ["2"])
        XCTAssertNil(try job.countsDrift(), "after a stop that released files")
        XCTAssertEqual(try job.run().status, 0)
        assertAllVerified(job)
    }

    /// `gen3 run` of the job under an open-file limit of `limit` (soft and hard, so it cannot be raised).
    private func runUnderFileLimit(_ job: JobFixture, _ limit: Int, _ extra: [String]) throws -> ProcessResult {
        let arguments =
            [
                Gen3Process.gen3Path, "--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials,
                "run", "--no-progress",
            ] + extra
        return try Gen3Process.runShell("ulimit -n \(limit) && exec " + arguments.map { "'\($0)'" }.joined(separator: " "))
    }

    func testTooFewOpenFilesStopTheRunBeforeItClaimsAnything() throws {
        let job = try job(5)
        let run = try runUnderFileLimit(job, 100, ["--max-concurrent-requests", "32"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(
            run.stderr.contains("--max-concurrent-requests 32 needs at least 208 open files, and this process may open 100 (ulimit -n)"),
            run.stderr)
        XCTAssertTrue(run.stderr.contains("use --max-concurrent-requests 5 or less"), run.stderr)
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["pending\t5"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts"), ["0"])
    }

    /// Under a low limit the queue of files waiting for their sync shrinks to fit (here to 16,
    /// against `AwaitingSyncLimit.maxFiles` otherwise), instead of files failing when no file can
    /// be opened.
    func testALowOpenFileLimitStillDownloadsEverything() throws {
        let job = try job(400, minSize: 512, maxSize: 4096)
        let run = try runUnderFileLimit(job, 160, ["--workers", "1"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["done\t400"])
        assertAllVerified(job)
    }
}
