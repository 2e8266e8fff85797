import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// The ranges of a large file when things go wrong for one of them: a dropped connection costs
/// that range a new request, not the file its attempt, and `--limit-rate` shares its bucket among
/// the ranges instead of feeding one while the others wait.
final class RangeResilienceTests: XCTestCase {
    private let mebibyte = 1 << 20
    /// The plans below are for four connections per file.
    private let ranged = ["--range-threshold", "4M", "--max-connections-per-file", "4"]

    /// A range request whose connection is reset, or whose body ends short with a clean close, is
    /// asked again for the rest of its range while the other ranges go on: the file is done in
    /// its first attempt, with one request more than planned.
    func testADroppedRangeIsAskedAgainWithinTheAttempt() throws {
        for fault in [Fault.shortBody(bytes: 300_000), .resetAfter(bytes: 300_000)] {
            let job = try JobFixture(objects: 1, minSize: 12 * mebibyte, maxSize: 12 * mebibyte)
            XCTAssertEqual(try job.importManifest().status, 0)
            let object = job.commons.objects[0]
            job.commons.setFault(fault, guid: object.guid, times: .times(1))
            let result = try job.run(ranged)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, "\(fault)")
            XCTAssertEqual(try job.sql("SELECT outcome FROM attempts"), ["done"], "\(fault): the attempt went on")
            let planned = RangePlan.split(size: Int64(object.size), connections: 4).map { Int($0.start) }
            let starts = job.commons.stats.rangeStarts[object.guid] ?? []
            XCTAssertEqual(starts.count, planned.count + 1, "\(fault): one range asked for again")
            XCTAssertEqual(Set(starts).isSuperset(of: planned), true, "\(fault)")
            if case .shortBody = fault {
                XCTAssertEqual(
                    Set(starts).subtracting(planned).count, 1, "the range is asked for from where its bytes stopped: \(starts.sorted())")
            }
        }
    }

    /// A range whose connection keeps dropping ends the attempt after a few requests again (the
    /// attempt's backoff then applies), and the next attempt finishes the file.
    func testARangeThatKeepsFailingEndsTheAttempt() throws {
        let job = try JobFixture(objects: 1, minSize: 12 * mebibyte, maxSize: 12 * mebibyte)
        XCTAssertEqual(try job.importManifest().status, 0)
        let object = job.commons.objects[0]
        job.commons.setFault(.shortBody(bytes: 1000), guid: object.guid, times: .times(20))
        let result = try job.run(ranged + ["--max-attempts", "9"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5)
        let outcomes = try job.sql("SELECT outcome FROM attempts ORDER BY id")
        XCTAssertEqual(outcomes.last, "done")
        XCTAssertGreaterThan(outcomes.count, 1, "twenty dropped requests in one attempt")
    }

    /// Under `--limit-rate` the ranges of one file all get bytes: the transfer paused longest takes
    /// from the bucket first. Killed once a range and a half's worth is in the part file, each of
    /// the first four ranges (one per connection) has bytes there; taking turns in a fixed order,
    /// at most two would.
    func testLimitRateFeedsEveryRangeOfAFile() throws {
        let size = 16 * mebibyte
        let job = try JobFixture(objects: 1, minSize: size, maxSize: size)
        XCTAssertEqual(try job.importManifest().status, 0)
        let object = job.commons.objects[0]
        let plan = RangePlan.split(size: Int64(size), connections: 4)
        XCTAssertEqual(plan.first?.length, Int64(mebibyte))
        let killed = try job.run(
            ranged + ["--limit-rate", "2M"], environment: ["GEN3_TEST_KILL_AFTER_BYTES": "\(3 * mebibyte / 2)"])
        XCTAssertTrue(killed.signal == SIGKILL || killed.status == SIGKILL, "the kill hook did not fire: \(killed.stderr)")
        let part = try XCTUnwrap(FileManager.default.contents(atPath: job.downloads + "/" + object.fileName + ".part"))
        let content = try XCTUnwrap(job.commons.content(of: object.guid))
        for range in plan.prefix(4) {
            let head = Int(range.start)..<Int(range.start) + (64 << 10)
            XCTAssertTrue(
                part.count >= head.upperBound && [UInt8](part[head]) == Array(content[head]), "range from \(range.start) got no bytes")
        }
    }
}
