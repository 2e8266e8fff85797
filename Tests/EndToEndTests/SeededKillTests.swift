import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// kill -9 of the whole process group (`gen3 run` and its worker processes) at moments the test
/// chooses, not the product: when the commons has served a byte count drawn from a fixed seed. The
/// kills land wherever those bytes do (mid-body, between files, among renames and commits), and
/// the same seed draws the same counts next time.
final class SeededKillTests: XCTestCase {
    private static let seed: UInt64 = 0x6765_6e33_2d32_34
    private static let rounds = 4

    func testKillsOfTheProcessGroupAtSeededByteCountsResumeExactly() throws {
        var random = SeededGenerator(state: Self.seed)
        let job = try JobFixture(objects: 150, minSize: 1024, maxSize: 192 * 1024)
        // A few multi-MiB files among the small ones, so that kills land inside part files: two
        // written through the page cache and one large enough for O_DIRECT.
        let sizes = [2 << 20, (3 << 20) + 4321, (5 << 20) + 77, (9 << 20) + 1234]
        let large = sizes.enumerated().map { index, size in
            job.commons.addObject(guid: "dg.TEST/large-\(index)", fileName: "large-\(index).bin", content: random.bytes(size))
        }
        // A file whose body never comes while kills are due: a run cannot finish before its kill,
        // however late the test gets to it.
        let sentinel = job.commons.addObject(guid: "dg.TEST/sentinel", fileName: "sentinel.bin", content: random.bytes(5000))
        job.commons.setFault(.stall, guid: sentinel.guid, times: .always)
        var order = job.commons.objects.prefix(150).map(\.guid)
        for (index, object) in large.enumerated() { order.insert(object.guid, at: 5 + index * 40) }
        order.append(sentinel.guid)
        try job.commons.writeManifest(to: job.manifest, guids: order)
        XCTAssertEqual(try job.importManifest().status, 0)

        let downloaded = job.commons.objects.filter { $0.guid != sentinel.guid }
        let dataset = downloaded.reduce(0) { $0 + $1.size }
        let concurrency = ["--max-concurrent-requests", "8"]
        var continued = 0
        for round in 1...Self.rounds {
            let before = try DiskState(job)
            // Somewhere in the first half of what this run must fetch: always reached, as the run
            // cannot end before the sentinel's body.
            let missing = dataset - before.bytesKept(of: downloaded)
            let target = before.served.values.reduce(0, +) + Int.random(in: missing / 10...missing / 2, using: &random)
            let run = try job.startRun(["--workers", "2"] + concurrency)
            do {
                try job.commons.waitForStats(timeout: 120, "\(target) bytes served in round \(round)") { $0.totalBytesServed >= target }
            } catch {
                // What the run said is what tells why it stalled.
                try? Gen3Process.killGroup(run)
                try? run.waitForExit()
                XCTFail(
                    "round \(round): \(error); the run's stderr:\n\(job.runErrors)\nrows: \((try? job.sql("SELECT state, lease_owner, count(*) FROM files GROUP BY 1, 2")) ?? [])"
                )
                throw error
            }
            let workers = ChildProcesses.of(run.processIdentifier)
            // With their start times: a pid the kernel hands to another process later is not theirs.
            let started = Dictionary(uniqueKeysWithValues: workers.map { ($0, LeaseOwner.startTime(of: $0)) })
            try Gen3Process.killGroup(run)
            try run.waitForExit()
            XCTAssertEqual(run.terminationReason, .uncaughtSignal, "round \(round): \(job.runErrors)")
            XCTAssertEqual(run.terminationStatus, SIGKILL, "round \(round)")
            XCTAssertEqual(workers.count, 2, "round \(round): the run's worker processes")
            XCTAssertEqual(try before.refetched(since: job, continued: &continued), [], "round \(round)")
            let outlived = workers.filter { ChildProcesses.isRunning($0) && LeaseOwner.startTime(of: $0) == started[$0] }
            XCTAssertEqual(outlived, [], "round \(round): a worker outlived the kill of its group")
        }

        job.commons.clearFaults()
        let before = try DiskState(job)
        let final = try job.run(concurrency)
        XCTAssertEqual(final.status, 0, final.stdout + final.stderr)
        XCTAssertEqual(try before.refetched(since: job, continued: &continued), [], "the final run")
        XCTAssertGreaterThan(continued, 0, "no run continued a part file: the kills never landed inside one")

        let all = job.commons.objects
        for object in all {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
        }
        XCTAssertEqual(job.downloadedFiles, all.map(\.fileName).sorted(), "part files or strays in the download directory")
        XCTAssertEqual(try job.sql("SELECT state, count(*) FROM files GROUP BY state"), ["done\t\(all.count)"])
        XCTAssertEqual(
            try job.sql("SELECT file_id FROM attempts WHERE outcome = 'done' GROUP BY file_id HAVING count(*) <> 1"), [],
            "a file recorded done more than once")
        let outside = TemporaryDirectory.listing(job.directory.path).filter { !$0.hasPrefix("data/") }
        XCTAssertEqual(
            outside.filter { !["credentials.json", "manifest.json", "run.out", "run.err"].contains($0) && !$0.hasPrefix("job.sqlite") },
            [], "files written outside the download directory")
        let served = job.commons.stats.totalBytesServed
        print(
            String(
                format: "seeded kills: %d rounds, %d part files continued, %d bytes served for a %d-byte dataset: %.2f%% re-sent",
                Self.rounds, continued, served, dataset, Double(served - dataset) / Double(dataset) * 100))
    }
}
