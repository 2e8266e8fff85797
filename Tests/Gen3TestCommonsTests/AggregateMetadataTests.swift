import Gen3TestCommons
import XCTest

/// The aggregate MDS's prefix lookup.
final class AggregateMetadataTests: XCTestCase {
    func testKnownPrefixesAnswerTheirHostOthers404() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 0
        let commons = try TestCommons.start(configuration)
        defer { commons.stop() }
        let info = commons.endpoint + "/mds/aggregate/info/"
        XCTAssertEqual(try Curl.run(info + "dg.TEST").json() as? [String: String], ["host": commons.authority], "its own prefix")
        commons.setAggregateHosts([:])
        XCTAssertEqual(try Curl.run(info + "dg.TEST").status, 404, "nothing is known once cleared")

        commons.setAggregateHosts(["dg.TEST": commons.authority, "dg.FAR": "127.0.0.1:9"])
        XCTAssertEqual(commons.aggregateHosts["dg.FAR"], "127.0.0.1:9")
        XCTAssertTrue(commons.endpoint.hasSuffix("://" + commons.authority))
        let known = try Curl.run(info + "dg.TEST")
        XCTAssertEqual(known.status, 200)
        XCTAssertEqual(try known.json() as? [String: String], ["host": commons.authority])
        XCTAssertEqual(try Curl.run(info + "dg.FAR").json() as? [String: String], ["host": "127.0.0.1:9"])

        let unknown = try Curl.run(info + "dg.NOPE")
        XCTAssertEqual(unknown.status, 404)
        let detail = try XCTUnwrap(try unknown.json()["detail"] as? [String: Any])
        XCTAssertEqual(detail["code"] as? Int, 404)
        XCTAssertNotNil(detail["message"] as? String)

        commons.setFault(.status(502, at: .aggregateInfo))
        XCTAssertEqual(try Curl.run(info + "dg.TEST").status, 502)
        XCTAssertEqual(commons.stats.requests[.aggregateInfo], 6)
    }
}
