import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// Presigned URLs in bulk (`POST /user/data/download/bulk`), and the one-file route wherever the
/// bulk one falls short: an older Fence, a GUID it could not sign, an answer that failed.
final class BulkURLTests: XCTestCase {
    private func job(_ objects: Int, configure: (inout TestCommonsConfiguration) -> Void = { _ in }) throws -> JobFixture {
        let job = try JobFixture(objects: objects, minSize: 1024, maxSize: 8 * 1024, configure: configure)
        XCTAssertEqual(try job.importManifest().status, 0)
        return job
    }

    private func assertAllVerified(_ job: JobFixture, except skipped: Set<String> = [], file: StaticString = #filePath, line: UInt = #line)
    {
        for object in job.commons.objects where !skipped.contains(object.guid) {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName, file: file, line: line)
        }
    }

    func testURLsComeInBulkAndNoFileAsksAlone() throws {
        let job = try job(150)
        let run = try job.run()
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        assertAllVerified(job)
        let stats = job.commons.stats
        XCTAssertEqual(stats.requests[.download] ?? 0, 0, "a file asked for its URL on its own")
        XCTAssertGreaterThanOrEqual(stats.requests[.bulkDownload] ?? 0, 3, "150 files fit no single bulk request of at most 64")
        XCTAssertLessThanOrEqual(stats.requests[.bulkDownload] ?? 0, 150 / 2)
        XCTAssertEqual(stats.requests[.storage], 150)
        XCTAssertEqual(stats.authorizationHeadersAtStorage, 0)
    }

    /// A run's one worker, in the run's own process, goes on with the token that checked the key.
    func testOneWorkerAsksForOneToken() throws {
        let job = try job(20)
        let run = try Gen3Process.run([
            "--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials,
            "run", "--workers", "1", "--no-progress",
        ])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        assertAllVerified(job)
        XCTAssertEqual(job.commons.stats.tokensIssued, 1)
    }

    func testAnOlderFenceWithoutTheRouteGetsOneRequestPerFile() throws {
        let job = try job(40) { $0.bulkPresignedURLs = false }
        let run = try job.run(["-v"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        assertAllVerified(job)
        let stats = job.commons.stats
        XCTAssertEqual(stats.requests[.download], 40)
        // The fixture runs two workers; each learns of the refusal on its own.
        XCTAssertTrue(
            (1...2).contains(stats.requests[.bulkDownload] ?? 0),
            "the refused bulk request was tried again: \(stats.requests[.bulkDownload] ?? 0) times")
        XCTAssertTrue(run.stderr.contains("one URL per file"), run.stderr)
    }

    func testNoBulkURLsFlagAsksOneAtATime() throws {
        let job = try job(10)
        XCTAssertEqual(try job.run(["--no-bulk-urls"]).status, 0)
        assertAllVerified(job)
        XCTAssertEqual(job.commons.stats.requests[.bulkDownload] ?? 0, 0)
        XCTAssertEqual(job.commons.stats.requests[.download], 10)
    }

    func testAGUIDTheBulkAnswerLacksAsksAloneAndFailsWithFencesReason() throws {
        let job = try job(30)
        let missing = job.commons.objects[7]
        job.commons.setFault(.status(404, at: .download), guid: missing.guid, times: .always)
        let run = try job.run()
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertEqual(try job.sql("SELECT guid, attempts, last_http_status FROM failures"), ["\(missing.guid)\t1\t404"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["29"])
        assertAllVerified(job, except: [missing.guid])
        XCTAssertEqual(job.commons.stats.requests[.download], 1, "only the missing GUID asks on its own")
    }

    func testAFailedBulkAnswerSendsItsFilesToTheOneFileRouteAndBulkGoesOn() throws {
        let job = try job(200)
        job.commons.setFault(.status(503, at: .bulkDownload), guid: nil, times: .times(1))
        let run = try job.run()
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        assertAllVerified(job)
        let stats = job.commons.stats
        let alone = stats.requests[.download] ?? 0
        XCTAssertGreaterThan(alone, 0, "the files of the failed bulk request did not ask on their own")
        XCTAssertLessThanOrEqual(alone, 64, "more files asked alone than one bulk request holds")
        XCTAssertGreaterThan(stats.requests[.bulkDownload] ?? 0, 1, "bulk requests stopped after one failure")
        XCTAssertEqual(
            try job.sql("SELECT count(*) FROM attempts WHERE outcome != 'done'"), ["0"],
            "a failed bulk answer cost a file an attempt")
    }

    func testAURLThatWaitedTooLongIsFetchedAgainAlone() throws {
        let job = try job(40)
        let run = try job.run([], environment: ["GEN3_TEST_URL_MAX_AGE": "-1"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        assertAllVerified(job)
        let stats = job.commons.stats
        XCTAssertGreaterThan(stats.requests[.bulkDownload] ?? 0, 0)
        XCTAssertEqual(stats.requests[.download], 40, "a file used a URL older than the limit")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM attempts WHERE outcome != 'done'"), ["0"])
    }

    func testAHostileURLInABulkAnswerIsRefusedAndTheRestFinish() throws {
        let job = try job(20)
        let hostile = job.commons.objects[3]
        job.commons.setFault(.presignedURL("file:///etc/passwd"), guid: hostile.guid, times: .always)
        let run = try job.run()
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let failed = try job.sql("SELECT guid, last_error FROM failures")
        XCTAssertEqual(failed.count, 1)
        XCTAssertTrue(failed[0].hasPrefix(hostile.guid + "\t") && failed[0].contains("not http(s)"), "\(failed)")
        assertAllVerified(job, except: [hostile.guid])
        XCTAssertGreaterThan(job.commons.stats.requests[.bulkDownload] ?? 0, 0)
    }
}
