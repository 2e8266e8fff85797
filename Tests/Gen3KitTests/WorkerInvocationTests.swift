import XCTest

@testable import Gen3Kit

/// The worker-process protocol: what the parent writes, the worker reads back whole.
final class WorkerInvocationTests: XCTestCase {
    func testEveryRunOptionCrossesToTheWorker() throws {
        var options = RunOptions()
        options.workers = 3
        options.maxConcurrentRequests = 7
        options.retry = RetryPolicy(maxAttempts: 9, baseDelay: 0.25, maxDelay: 12)
        options.shutdownGrace = 1.5
        options.skipCompleted = true
        options.bulkURLs = false
        options.http.verifyTLS = false
        options.http.maxRedirects = 2
        let invocation = WorkerInvocation(
            databasePath: "/jobs/a b.sqlite", endpoint: "https://commons.example.org",
            options: options, verbosity: 2, logFile: "/var/log/gen3 run.log")
        let arguments = invocation.arguments
        XCTAssertEqual(arguments.first, "worker")
        XCTAssertEqual(try WorkerInvocation(parsing: Array(arguments.dropFirst())), invocation)
    }

    func testCredentialsTravelInTheEnvironmentNotTheArguments() {
        let invocation = WorkerInvocation(databasePath: "/j.sqlite", endpoint: "https://c.example.org", options: RunOptions(), verbosity: 0)
        XCTAssertFalse(invocation.arguments.contains { $0.contains("accesstoken") })
        XCTAssertEqual(WorkerInvocation.environment(auth: "accesstoken:///abc"), ["GEN3_WORKER_AUTH": "accesstoken:///abc"])
        XCTAssertEqual(WorkerInvocation.environment(auth: nil), [:])
    }

    func testArgumentsItDidNotWriteAreRefused() {
        for arguments in [
            ["--db"], ["--db", "/j.sqlite"], ["--bogus", "1"],
            ["--db", "/j", "--endpoint", "https://c", "--options", "{\"workers\": 1}"],
        ] {
            XCTAssertThrowsError(try WorkerInvocation(parsing: arguments), "\(arguments)") { error in
                guard case .badWorkerArguments = error as? RunError else { return XCTFail("\(error)") }
                XCTAssertTrue(error.localizedDescription.hasPrefix("gen3 worker is started by gen3 run"), error.localizedDescription)
            }
        }
    }
}
