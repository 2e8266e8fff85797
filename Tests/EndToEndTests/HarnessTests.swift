import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// What the tests promise about themselves: a spawned binary sees only what the test gives it, and
/// no wait for one can hang the suite.
final class HarnessTests: XCTestCase {
    /// Proxy variables and `GEN3_*` in the tests' own environment (as a developer's shell or a CI
    /// runner may have) do not reach gen3: the run still talks to the commons directly, with the job
    /// and credentials the test names. Its environment is PATH, a HOME of its own, and what the test
    /// passes.
    func testSpawnedBinariesGetOnlyAMinimalEnvironment() throws {
        let planted = [
            "http_proxy": "http://127.0.0.1:1", "HTTP_PROXY": "http://127.0.0.1:1", "all_proxy": "http://127.0.0.1:1",
            "ALL_PROXY": "http://127.0.0.1:1", "GEN3_DB": "/nonexistent/planted.sqlite", "GEN3_API_KEY": "/nonexistent/planted.json",
        ]
        for (name, value) in planted { setenv(name, value, 1) }
        defer { for name in planted.keys { unsetenv(name) } }

        let job = try JobFixture(objects: 3)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run()
        XCTAssertEqual(run.status, 0, "the planted environment reached gen3: \(run.stderr)")
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }

        let status = try Gen3Process.start(
            ["--db", job.database, "status"], environment: ["EXTRA": "1"], stdout: job.directory.file("status.out"),
            stderr: job.directory.file("status.err"))
        try status.waitForExit()
        XCTAssertEqual(status.terminationStatus, 0)
        let environment = status.environment ?? [:]
        XCTAssertTrue(
            Set(environment.keys).isSubset(of: [
                "PATH", "HOME", "EXTRA", "TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "LLVM_PROFILE_FILE",
            ]), "the test's environment reached gen3: \(environment.keys.sorted())")
        XCTAssertEqual(environment["EXTRA"], "1")
        XCTAssertNotNil(environment["PATH"])
        let home = try XCTUnwrap(environment["HOME"])
        XCTAssertNotEqual(home, ProcessInfo.processInfo.environment["HOME"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: home), [], "HOME is not a fresh directory")
    }

    /// A process that outlives its deadline is killed with every process it started (here a run
    /// whose only body never comes), and the wait throws instead of hanging.
    func testAWaitPastItsDeadlineKillsTheProcessTreeAndThrows() throws {
        let job = try JobFixture(objects: 2)
        XCTAssertEqual(try job.importManifest().status, 0)
        job.commons.setFault(.stall, times: .always)
        let process = try job.startRun(["--workers", "2", "--stall-timeout", "3600"])
        try job.commons.waitForRequests(route: .storage, count: 2)
        let workers = ChildProcesses.of(process.processIdentifier)
        XCTAssertEqual(workers.count, 2)
        XCTAssertThrowsError(try process.waitForExit(timeout: 1)) { error in
            XCTAssertTrue("\(error)".contains("did not exit within 1 s"), "\(error)")
        }
        XCTAssertFalse(process.isRunning, "the run outlived its watchdog")
        // The workers held the stalled connections: they are closed once the workers are gone.
        try job.commons.waitForConnectionsClosed(timeout: 60)
    }
}
