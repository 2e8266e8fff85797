import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// The ranges of a large file when things go wrong for one of them: a dropped connection costs
/// that range a new request, not the file its attempt.
final class RangeResilienceTests: XCTestCase {
    private let mebibyte = 1 << 20
    private let ranged = ["--range-threshold", "4M"]

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
}
