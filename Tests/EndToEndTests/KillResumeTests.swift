import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// A kill -9 mid-file costs only what was in memory. What a killed run wrote survives it (the page
/// cache outlives the process, and direct writes are on disk already): the next run hashes each
/// part file as it is on disk and asks for the rest from exactly its size.
final class KillResumeTests: XCTestCase {
    func testAKillMidFileResumesFromThePartFileSizeOnDisk() throws {
        let job = try JobFixture(objects: 6, minSize: 2 << 20, maxSize: 20 << 20)
        let sizes = job.commons.objects.map(\.size)
        // Both kinds of large body: written through the page cache, and written directly by a file's own threads.
        XCTAssertTrue(sizes.contains { $0 < 8 << 20 } && sizes.contains { $0 >= 8 << 20 }, "the fixture's sizes changed: \(sizes)")
        XCTAssertEqual(try job.importManifest().status, 0)
        let arguments = ["--workers", "1", "--max-concurrent-requests", "6", "--no-progress"]

        let killed = try job.run(arguments, environment: ["GEN3_TEST_KILL_AFTER_BYTES": "\(sizes.reduce(0, +) / 2)"])
        XCTAssertEqual(killed.signal, SIGKILL, killed.stderr)
        try job.commons.waitForConnectionsClosed()
        let servedBefore = job.commons.stats.bytesServed
        let startsBefore = job.commons.stats.rangeStarts
        // What the killed run left: a file at its final name is done; a part file holds a prefix.
        var kept: [String: Int] = [:]
        for object in job.commons.objects {
            let finished = FilePaths.fileSize(job.downloads + "/" + object.fileName) != nil
            kept[object.guid] = finished ? object.size : Int(FilePaths.fileSize(job.downloads + "/" + object.fileName + ".part") ?? 0)
        }
        XCTAssertTrue(
            job.commons.objects.contains { (1..<$0.size).contains(kept[$0.guid] ?? 0) },
            "the kill left no part file to continue: \(job.downloadedFiles), bytes kept \(kept.values.sorted()) of \(sizes.sorted())")
        XCTAssertNil(try job.countsDrift(), "after a kill -9 mid-run")

        let final = try job.run(arguments)
        XCTAssertEqual(final.status, 0, final.stderr)
        for object in job.commons.objects {
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName)
            let part = kept[object.guid] ?? 0
            let starts = Array((job.commons.stats.rangeStarts[object.guid] ?? []).dropFirst(startsBefore[object.guid]?.count ?? 0))
            // A complete part file (killed before its rename) needs no request at all.
            XCTAssertEqual(starts, (1..<object.size).contains(part) ? [part] : [], "\(object.fileName): \(part) bytes on disk")
            let served = (job.commons.stats.bytesServed[object.guid] ?? 0) - (servedBefore[object.guid] ?? 0)
            XCTAssertEqual(served, object.size - part, "\(object.fileName): bytes kept on disk were fetched again")
        }
        XCTAssertNil(try job.countsDrift(), "after the run that took over the killed one's leases")
    }
}
