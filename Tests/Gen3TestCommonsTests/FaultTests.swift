import Digest
import Gen3TestCommons
import TestSupport
import XCTest

/// Each fault as a client sees it.
final class FaultTests: XCTestCase {
    private var commons: TestCommons!
    private var client: CommonsClient { CommonsClient(commons: commons) }
    private var object: TestObject { commons.objects[0] }

    override func setUpWithError() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 3
        configuration.minSize = 100_000
        configuration.maxSize = 150_000
        commons = try TestCommons.start(configuration)
    }

    override func tearDown() { commons.stop() }

    private func url() throws -> String { try XCTUnwrap(commons.presignedURL(for: object.guid)) }

    func testStatusWithRetryAfterFiresTheGivenNumberOfTimes() throws {
        let token = try client.accessToken()
        commons.setFault(.status(503, at: .download, retryAfter: 7), guid: object.guid, times: .times(2))
        for _ in 0..<2 {
            let refused = try client.download(object.guid, token: token)
            XCTAssertEqual(refused.status, 503)
            XCTAssertEqual(refused.headers["retry-after"], "7")
            XCTAssertNotNil(try refused.json()["error"])
        }
        XCTAssertEqual(try client.download(commons.objects[1].guid, token: token).status, 200, "another GUID is unaffected")
        XCTAssertEqual(try client.download(object.guid, token: token).status, 200)
        XCTAssertEqual(commons.stats.faultsFired, 2)
    }

    func testAlwaysAndClearOnEveryRoute() throws {
        commons.setFault(.status(500, at: .index), times: .always)
        commons.setFault(.status(429, at: .storage, retryAfter: 1), times: .always)
        commons.setFault(.status(502, at: .token), times: .always)
        for _ in 0..<3 { XCTAssertEqual(try Curl.run(commons.endpoint + "/index/" + object.guid).status, 500) }
        let storage = try Curl.run(try url())
        XCTAssertEqual(storage.status, 429)
        XCTAssertEqual(storage.headers["content-type"], "application/xml")
        XCTAssertEqual(storage.headers["retry-after"], "1")
        XCTAssertEqual(
            try Curl.run(
                commons.endpoint + "/user/credentials/cdis/access_token",
                ["-X", "POST", "--data-binary", commons.credentialsJSON()]
            ).status, 502)
        commons.clearFaults()
        XCTAssertEqual(try Curl.run(commons.endpoint + "/index/" + object.guid).status, 200)
        XCTAssertEqual(try Curl.run(try url()).status, 200)
    }

    func testResetAfterBytesIsATransferErrorForCurl() throws {
        commons.setFault(.resetAfter(bytes: 40_000), guid: object.guid)
        let result = try Curl.run(try url())
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(result.headers["content-length"], "\(object.size)")
        XCTAssertEqual(result.exitCode, 56, "curl: failure receiving network data (connection reset)")
        XCTAssertLessThanOrEqual(result.body.count, 40_000)
        XCTAssertEqual(commons.stats.bytesServed[object.guid], 40_000)
    }

    func testShortBodyIsAPartialFileForCurl() throws {
        commons.setFault(.shortBody(bytes: 30_000), guid: object.guid)
        let result = try Curl.run(try url())
        XCTAssertEqual(result.exitCode, 18, "curl: partial file")
        XCTAssertEqual(result.body, Array(commons.content(of: object.guid)!.prefix(30_000)))
    }

    func testCorruptExtraBytesAndIgnoredRange() throws {
        commons.setFault(.corrupt, guid: object.guid)
        let corrupt = try Curl.run(try url())
        XCTAssertEqual(corrupt.body.count, object.size)
        XCTAssertNotEqual(MD5.hex(Array(corrupt.body)), object.md5)

        commons.setFault(.extraBytes(5000), guid: object.guid)
        let longer = try Curl.run(try url())
        XCTAssertEqual(longer.exitCode, 0)
        XCTAssertEqual(longer.headers["content-length"], "\(object.size + 5000)")
        XCTAssertEqual(longer.body.count, object.size + 5000)

        commons.setFault(.ignoreRange, guid: object.guid)
        let whole = try Curl.run(try url(), ["-H", "Range: bytes=100-"])
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.body, commons.content(of: object.guid))
    }

    func testFenceURLFaultsAndRedirect() throws {
        commons.setFault(.presignedURL("file:///etc/passwd"), guid: object.guid)
        XCTAssertEqual(try client.presignedURL(object.guid), "file:///etc/passwd")

        let token = try client.accessToken()
        commons.setFault(.echoAuthorization, guid: object.guid)
        let echoed = try client.download(object.guid, token: token)
        XCTAssertEqual(echoed.status, 403)
        XCTAssertEqual(try echoed.json()["error"] as? String, "access denied for Authorization: Bearer \(token)")

        commons.setFault(.redirect(to: "file:///etc/passwd"))
        let redirect = try Curl.run(try url())
        XCTAssertEqual(redirect.status, 302)
        XCTAssertEqual(redirect.headers["location"], "file:///etc/passwd")
    }

    func testPaddedAnswersAreValidJSONOfTheGivenSizeOnBothFenceRoutes() throws {
        let token = try client.accessToken()
        commons.setFault(.paddedAnswer(toBytes: 1_048_577), guid: object.guid)
        let single = try client.download(object.guid, token: token)
        XCTAssertEqual(single.status, 200)
        XCTAssertEqual(single.body.count, 1_048_577)
        let url = try XCTUnwrap(single.json()["url"] as? String)
        XCTAssertEqual(try Curl.run(url).body, commons.content(of: object.guid))

        commons.setFault(.paddedAnswer(toBytes: 2_000_000), guid: object.guid)
        let bulk = try Curl.run(
            commons.endpoint + "/user/data/download/bulk",
            [
                "-X", "POST", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
                "--data-binary", "{\"guids\": [\"\(object.guid)\", \"\(commons.objects[1].guid)\"]}",
            ])
        XCTAssertEqual(bulk.status, 200)
        XCTAssertEqual(bulk.body.count, 2_000_000)
        XCTAssertEqual((try bulk.json()["urls"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual(commons.stats.faultsFired, 2)
    }

    func testAPIRedirectsOnEveryControlPlaneRoute() throws {
        let token = try client.accessToken()
        let accepted = commons.stats.connectionsAccepted
        XCTAssertGreaterThanOrEqual(accepted, 1)
        commons.setFault(.apiRedirect(to: "http://127.0.0.9:1/token", at: .token))
        commons.setFault(.apiRedirect(to: "http://127.0.0.9:1/one", at: .download), guid: object.guid, times: .times(2))
        commons.setFault(.apiRedirect(to: "http://127.0.0.9:1/index", at: .index), guid: object.guid)
        let tokenAnswer = try Curl.run(
            commons.endpoint + "/user/credentials/cdis/access_token", ["-X", "POST", "--data-binary", commons.credentialsJSON()])
        let one = try client.download(object.guid, token: token)
        let bulk = try Curl.run(
            commons.endpoint + "/user/data/download/bulk",
            [
                "-X", "POST", "-H", "Authorization: Bearer \(token)", "--data-binary",
                "{\"guids\": [\"\(commons.objects[1].guid)\", \"\(object.guid)\"]}",
            ])
        let index = try Curl.run(commons.endpoint + "/index/" + object.guid)
        for (answer, location) in [(tokenAnswer, "token"), (one, "one"), (bulk, "one"), (index, "index")] {
            XCTAssertEqual(answer.status, 302)
            XCTAssertEqual(answer.headers["location"], "http://127.0.0.9:1/" + location)
        }
        XCTAssertEqual(commons.stats.faultsFired, 4)
        XCTAssertEqual(commons.stats.connectionsAccepted, accepted + 4, "one connection per curl run")
    }

    func testCloseDelimitedBodiesHaveNoLengthAndEndWithTheConnection() throws {
        let content = try XCTUnwrap(commons.content(of: object.guid))
        for (bytes, expected) in [
            (object.size, content), (1000, Array(content.prefix(1000))), (object.size + 10, content + [UInt8](repeating: 0, count: 10)),
        ] {
            commons.setFault(.closeDelimited(bytes: bytes), guid: object.guid)
            let result = try Curl.run(try url())
            XCTAssertEqual(result.exitCode, 0, "curl cannot tell a close-delimited body was cut")
            XCTAssertEqual(result.status, 200)
            XCTAssertNil(result.headers["content-length"])
            XCTAssertNil(result.headers["transfer-encoding"])
            XCTAssertEqual(result.body, expected)
        }
        commons.setFault(.closeDelimited(bytes: 500), guid: object.guid)
        let ranged = try Curl.run(try url(), ["-H", "Range: bytes=100-"])
        XCTAssertEqual(ranged.status, 206)
        XCTAssertEqual(ranged.body, Array(content[100..<600]))
    }

    func testStallSendsHeadersThenNothing() throws {
        commons.setFault(.stall, guid: object.guid)
        let result = try Curl.run(try url(), ["--max-time", "1"])
        XCTAssertEqual(result.exitCode, 28, "curl: timed out")
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(result.body.count, 0)
    }

    func testStopClosesAStalledConnection() throws {
        commons.setFault(.stall, guid: object.guid)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "--noproxy", "*", "--max-time", "60", "-o", "/dev/null", try url()]
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        try commons.waitForStats(timeout: 30) { $0.faultsFired == 1 }
        commons.stop()
        try curl.waitForExit()
        XCTAssertEqual(curl.terminationStatus, 18, "curl: partial file, the server closed the connection")
    }

    func testTrickleStillDeliversTheBody() throws {
        let small = commons.addObject(guid: "dg.TEST/small", fileName: "small.bin", content: Array(repeating: 42, count: 600))
        commons.setFault(.trickle(bytesPerSecond: 3000), guid: small.guid)
        let result = try Curl.run(try XCTUnwrap(commons.presignedURL(for: small.guid)))
        XCTAssertEqual(result.body, Array(repeating: 42, count: 600))
        // Asserted through the server's own record, not the clock: no timing thresholds in tests.
        XCTAssertEqual(commons.stats.faultsFired, 1)
    }
}
