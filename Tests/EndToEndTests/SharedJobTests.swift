import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// One job in PostgreSQL shared by several `gen3 run`s, each playing a node of its own
/// (`GEN3_NODE`): nodes killed mid-run lose only what they had in flight, and a run whose
/// sessions the server cuts, or whose server restarts, carries on.
final class SharedJobTests: XCTestCase {
    private static let seed: UInt64 = 0x6765_6e33_2d32_33

    override func setUpWithError() throws {
        guard PostgresTestDatabase.serverURL != nil else { throw XCTSkip(PostgresTestDatabase.skipReason) }
    }

    /// `gen3 run` as node `node` (its own process group, output in `node`.out and .err).
    private func startNode(_ job: JobFixture, _ node: String, _ extra: [String]) throws -> Process {
        try Gen3Process.start(
            ["--db", job.database, "--endpoint", job.commons.endpoint, "--auth", job.credentials, "run", "--no-progress"] + extra,
            directory: job.directory.path, environment: [LeaseOwner.nodeVariable: node],
            stdout: job.directory.file("\(node).out"), stderr: job.directory.file("\(node).err"))
    }

    private func errors(_ job: JobFixture, _ node: String) -> String {
        (try? String(contentsOfFile: job.directory.file("\(node).err"), encoding: .utf8)) ?? ""
    }

    /// Every body arrives slowly (the server sends it at `rate`), so runs are still going when the
    /// test acts, and nothing queues in sockets that a kill would lose.
    private func slowDown(_ job: JobFixture, rate: Int) {
        for object in job.commons.objects { job.commons.setFault(.trickle(bytesPerSecond: rate), guid: object.guid, times: .always) }
    }

    /// Every file done once, verified, nothing else in the download directory.
    private func assertEveryFileDoneOnce(_ job: JobFixture, file: StaticString = #filePath, line: UInt = #line) throws {
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName, file: file, line: line)
        }
        XCTAssertEqual(job.downloadedFiles, job.commons.objects.map(\.fileName).sorted(), "part files or strays", file: file, line: line)
        XCTAssertEqual(
            try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["done\t\(job.commons.objects.count)"], file: file, line: line)
        XCTAssertEqual(
            try job.sql("SELECT file_id FROM attempts WHERE outcome = 'done' GROUP BY file_id HAVING count(*) <> 1"), [],
            "a file recorded done more than once", file: file, line: line)
        XCTAssertNil(try job.countsDrift(), "the counts after nodes claimed and recorded at once", file: file, line: line)
    }

    func testFourNodesShareAJobAndTwoKilledOnesLoseOnlyWhatWasInFlight() throws {
        var random = SeededGenerator(state: Self.seed)
        let job = try JobFixture(objects: 200, minSize: 64 << 10, maxSize: 384 << 10, postgres: true)
        slowDown(job, rate: 1 << 20)
        XCTAssertEqual(try job.importManifest().status, 0)
        let dataset = job.commons.objects.reduce(0) { $0 + $1.size }
        // Claims of 16 rows: with the default's, the first node to start could claim the whole
        // set before the others ask, and the job would not be shared at all.
        let options = ["--workers", "2", "--max-concurrent-requests", "4", "--lease-seconds", "3", "--batch-size", "16"]
        let nodes = try (1...4).map { try startNode(job, "node\($0)", options) }
        // Two nodes die at seeded moments in the first and second half of the set.
        for (victim, share) in [(0, Int.random(in: 15...35, using: &random)), (2, Int.random(in: 45...65, using: &random))] {
            try job.commons.waitForStats(timeout: 120, "\(share)% served") { $0.totalBytesServed >= dataset * share / 100 }
            try Gen3Process.killGroup(nodes[victim])
        }
        for (index, node) in nodes.enumerated() {
            try node.waitForExit()
            if index == 0 || index == 2 {
                XCTAssertEqual(node.terminationReason, .uncaughtSignal, "node\(index + 1)")
            } else {
                XCTAssertEqual(node.terminationStatus, 0, "node\(index + 1): " + errors(job, "node\(index + 1)"))
            }
        }
        try assertEveryFileDoneOnce(job)
        let nodesThatFinishedFiles = try job.sql(
            "SELECT DISTINCT split_part(worker, ':', 1) FROM attempts WHERE outcome = 'done' ORDER BY 1")
        // Which nodes finish which files is the machine's timing; that the job was shared is not.
        XCTAssertGreaterThanOrEqual(nodesThatFinishedFiles.count, 2, "\(nodesThatFinishedFiles)")
        XCTAssertTrue(nodesThatFinishedFiles.contains("node2") || nodesThatFinishedFiles.contains("node4"), "no survivor finished a file")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE lease_owner IS NOT NULL"), ["0"])
        let resent = job.commons.stats.totalBytesServed - dataset
        print("four nodes, two killed: \(resent) of \(dataset) bytes re-sent (\(Double(resent) * 100 / Double(dataset))%)")
        XCTAssertLessThanOrEqual(resent, dataset / 50, "more than 2% of the set was sent twice")
    }

    /// The server ends every session of the job twice mid-run (as a failover or an administrator
    /// would): each process reconnects and the run finishes with every file.
    func testARunWhoseSessionsAreCutReconnectsAndLosesNothing() throws {
        let job = try JobFixture(objects: 60, minSize: 64 << 10, maxSize: 256 << 10, postgres: true)
        slowDown(job, rate: 512 << 10)
        XCTAssertEqual(try job.importManifest().status, 0)
        let dataset = job.commons.objects.reduce(0) { $0 + $1.size }
        let run = try job.startRun(["--workers", "2", "--max-concurrent-requests", "4"])
        let admin = try PostgresConnection(url: job.database)
        for share in [25, 60] {
            try job.commons.waitForStats(timeout: 120, "\(share)% served") { $0.totalBytesServed >= dataset * share / 100 }
            let cut = try admin.rows(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                """
            ) { $0.int64(0) }
            XCTAssertGreaterThanOrEqual(cut.count, 3, "the supervisor's and both workers' sessions")
        }
        try run.waitForExit()
        XCTAssertEqual(run.terminationStatus, 0, job.runErrors)
        XCTAssertTrue(job.runErrors.contains("lost the connection to PostgreSQL"), job.runErrors)
        XCTAssertFalse(job.runErrors.contains(PostgresTestDatabase.serverURL.flatMap(Self.password) ?? "\u{0}"), "the password was shown")
        try assertEveryFileDoneOnce(job)
    }

    /// The server restarts mid-run: the run waits for it and finishes.
    func testARunCarriesOnAcrossARestartOfTheServer() throws {
        let cluster = try PostgresCluster()
        let database = try PostgresTestDatabase(serverURL: cluster.url)
        let job = try JobFixture(objects: 40, minSize: 64 << 10, maxSize: 256 << 10)
        slowDown(job, rate: 512 << 10)
        let gen3 = { (arguments: [String]) in
            try Gen3Process.run(
                ["--db", database.url, "--endpoint", job.commons.endpoint, "--auth", job.credentials] + arguments,
                directory: job.directory.path)
        }
        XCTAssertEqual(try gen3(["import-manifest", "--manifest", job.manifest, "--download-path", job.downloads]).status, 0)
        let dataset = job.commons.objects.reduce(0) { $0 + $1.size }
        let run = try Gen3Process.start(
            [
                "--db", database.url, "--endpoint", job.commons.endpoint, "--auth", job.credentials, "run", "--no-progress", "--workers",
                "2",
            ],
            directory: job.directory.path, stdout: job.directory.file("run.out"), stderr: job.directory.file("run.err"))
        try job.commons.waitForStats(timeout: 120, "a third served") { $0.totalBytesServed >= dataset / 3 }
        try cluster.restart()
        try run.waitForExit()
        XCTAssertEqual(run.terminationStatus, 0, job.runErrors)
        XCTAssertTrue(job.runErrors.contains("lost the connection to PostgreSQL"), job.runErrors)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        XCTAssertEqual(
            try gen3(["sql", "--no-header", "SELECT state, count(*) FROM files GROUP BY state"]).stdout,
            "done\t\(job.commons.objects.count)\n")
        database.drop()
    }

    /// The job's password shows nowhere: not in what import, run, status, retry and sql print, not
    /// in the worker processes' arguments (world-readable in /proc), not in the job's tables.
    func testThePasswordIsNeverShown() throws {
        let job = try JobFixture(objects: 12, minSize: 64 << 10, maxSize: 128 << 10, postgres: true)
        let password = try XCTUnwrap(Self.password(job.database), "the test cluster's URL has a password")
        slowDown(job, rate: 256 << 10)
        job.commons.setFault(.status(404, at: .download), guid: job.commons.objects[0].guid, times: .always)
        var shown = [try job.importManifest()].flatMap { [$0.stdout, $0.stderr] }
        let run = try job.startRun(["--workers", "2"])
        try job.commons.waitForStats(timeout: 60, "a body started") { $0.totalBytesServed > 0 }
        let workers = ChildProcesses.of(run.processIdentifier)
        XCTAssertEqual(workers.count, 2)
        for worker in workers {
            let arguments = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(worker)/cmdline")), as: UTF8.self)
            XCTAssertTrue(arguments.contains("--db"), arguments)
            XCTAssertFalse(arguments.contains(password), "a worker's arguments hold the password")
        }
        try run.waitForExit()
        XCTAssertEqual(run.terminationStatus, 1, "one file fails")
        shown += [job.runErrors, (try? String(contentsOfFile: job.directory.file("run.out"), encoding: .utf8)) ?? ""]
        for command in [["status"], ["retry"], ["sql", "SELECT * FROM job_settings"], ["sql", "SELECT * FROM failures"]] {
            let result = try job.gen3(command)
            shown += [result.stdout, result.stderr]
        }
        XCTAssertTrue(shown.joined().contains("gen3test"), "the outputs name the job's role")
        for text in shown { XCTAssertFalse(text.contains(password), text) }
    }

    /// The password in a `scheme://user:password@host` URL.
    private static func password(_ url: String) -> String? {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return nil }
        let credentials = url[scheme.upperBound..<at]
        return credentials.firstIndex(of: ":").map { String(credentials[credentials.index(after: $0)...]) }
    }
}
