import Foundation
import Gen3TestCommons
import LatencyProxy
import TestSupport
import XCTest

/// A job whose storage host sits behind the latency proxy, as the benchmark's WAN section runs
/// it: the presigned URLs name the proxy, and every byte goes through its window.
final class WideAreaTests: XCTestCase {
    func testLargeFilesThroughTheProxyMatchTheirMD5AndAResetIsRetried() throws {
        // The proxy must exist before the commons names it in its URLs; its target, the commons'
        // storage listener, is known only once that listens.
        let proxy = try LatencyProxy.start(
            listen: ProxyAddress(host: "127.0.0.1", port: 0), target: nil,
            settings: LatencySettings(roundTrip: .milliseconds(2), window: 512 << 10))
        defer { proxy.stop() }
        let job = try JobFixture(objects: 3, minSize: 12 << 20, maxSize: 24 << 20) { $0.storageURLBase = proxy.url }
        proxy.target = ProxyAddress(String(job.commons.storageEndpoint.dropFirst("http://".count)))
        let object = job.commons.objects[0]
        job.commons.setFault(.resetAfter(bytes: 5 << 20), guid: object.guid, times: .times(1))
        XCTAssertEqual(try job.importManifest().status, 0)

        let run = try job.run(["--max-concurrent-requests", "4"])

        XCTAssertEqual(run.status, 0, run.stderr)
        for each in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: each.fileName), each.md5, each.fileName)
        }
        // The proxy passes the storage host's reset on as a reset: the client sees the body cut short.
        XCTAssertEqual(try job.sql("SELECT outcome FROM attempts ORDER BY id").filter { $0 == "retry" }.count, 1)
    }

    /// A commons that takes tens of milliseconds to answer gets twice the transfers (each moves
    /// about one small file per round trip); one that answers sooner keeps the default, and a
    /// number the user gives stands at any distance. How long loopback takes depends on the
    /// machine's load, so the near run is held to the rule at what it measured.
    func testADistantCommonsGetsMoreTransfersUnlessTheUserChose() throws {
        /// The wait and the transfers the run logged.
        func sizing(_ stderr: String) -> (ms: Int, transfers: Int)? {
            guard let line = stderr.split(separator: "\n").first(where: { $0.contains(" transfers at once") }),
                let words = line.components(separatedBy: "answered in ").last?.split(separator: " "), words.count > 3,
                let ms = Int(words[0]), let transfers = Int(words[2])
            else { return nil }
            return (ms, transfers)
        }
        func run(_ job: JobFixture, endpoint: String, _ extra: [String] = []) throws -> ProcessResult {
            XCTAssertEqual(try job.importManifest().status, 0)
            return try Gen3Process.run(
                ["--db", job.database, "--endpoint", endpoint, "--auth", job.credentials, "run", "--no-progress", "-v"] + extra,
                directory: job.directory.path)
        }
        let distant = "ms: 256 transfers at once"
        let nearJob = try JobFixture(objects: 3)
        let nearRun = try run(nearJob, endpoint: nearJob.commons.endpoint)
        XCTAssertEqual(nearRun.status, 0, nearRun.stderr)
        let near = try XCTUnwrap(sizing(nearRun.stderr), nearRun.stderr)
        // Rounded to whole milliseconds: a wait just under the threshold may print as 10.
        XCTAssertEqual(near.transfers, near.ms >= 11 ? 256 : near.ms <= 9 ? 128 : near.transfers, nearRun.stderr)
        XCTAssertTrue([128, 256].contains(near.transfers), nearRun.stderr)

        for extra in [[], ["--max-concurrent-requests", "32"]] {
            let far = try JobFixture(objects: 3)
            let proxy = try LatencyProxy.start(
                listen: ProxyAddress(host: "127.0.0.1", port: 0),
                target: ProxyAddress(String(far.commons.endpoint.dropFirst("http://".count))),
                settings: LatencySettings(roundTrip: .milliseconds(30), window: 1 << 20))
            defer { proxy.stop() }
            let farRun = try run(far, endpoint: proxy.url, extra)
            XCTAssertEqual(farRun.status, 0, farRun.stderr)
            XCTAssertEqual(farRun.stderr.contains(distant), extra.isEmpty, farRun.stderr)
            for object in far.commons.objects {
                XCTAssertEqual(far.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
            }
        }
    }
}
