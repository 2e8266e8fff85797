import Gen3TestCommons
import XCTest

/// The storage host: signatures, expiry, ranges.
final class StorageTests: XCTestCase {
    private var commons: TestCommons!

    override func setUpWithError() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 3
        configuration.minSize = 10_000
        configuration.maxSize = 200_000
        commons = try TestCommons.start(configuration)
    }

    override func tearDown() { commons.stop() }

    private func url(_ object: TestObject) throws -> String { try XCTUnwrap(commons.presignedURL(for: object.guid)) }

    func testRangesAnswer206WithTheSameBytes() throws {
        let object = commons.objects[0]
        let content = try XCTUnwrap(commons.content(of: object.guid))
        let middle = try Curl.run(try url(object), ["-H", "Range: bytes=1001-5000"])
        XCTAssertEqual(middle.status, 206)
        XCTAssertEqual(middle.headers["content-range"], "bytes 1001-5000/\(object.size)")
        XCTAssertEqual(middle.body, Array(content[1001...5000]))

        let tail = try Curl.run(try url(object), ["-H", "Range: bytes=9999-"])
        XCTAssertEqual(tail.status, 206)
        XCTAssertEqual(tail.headers["content-length"], "\(object.size - 9999)")
        XCTAssertEqual(tail.body, Array(content[9999...]))
        XCTAssertEqual(commons.stats.rangeRequests, 2)
        XCTAssertEqual(commons.stats.bytesServed[object.guid], 4000 + object.size - 9999)
    }

    func testRangeFromTheEndIs416() throws {
        let object = commons.objects[1]
        let result = try Curl.run(try url(object), ["-H", "Range: bytes=\(object.size)-"])
        XCTAssertEqual(result.status, 416)
        XCTAssertEqual(result.headers["content-range"], "bytes */\(object.size)")
    }

    func testTamperedAndExpiredURLsAre403() throws {
        let object = commons.objects[0]
        let good = try url(object)
        XCTAssertEqual(try Curl.run(good.replacingOccurrences(of: "/objects/0?", with: "/objects/1?")).status, 403)
        XCTAssertEqual(try Curl.run(good.replacingOccurrences(of: "expires=", with: "expires=9")).status, 403)

        commons.setFault(.expiredURL, guid: object.guid)
        let expired = try CommonsClient(commons: commons).presignedURL(object.guid)
        let result = try Curl.run(expired)
        XCTAssertEqual(result.status, 403)
        XCTAssertTrue(result.text.contains("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"), result.text)
        XCTAssertEqual(try Curl.run(CommonsClient(commons: commons).presignedURL(object.guid)).status, 200, "the fault fired once")
    }

    func testStorageOnAnotherLoopbackAddress() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 1
        configuration.storageHost = "127.0.0.2"
        let other = try TestCommons.start(configuration)
        defer { other.stop() }
        let url = try CommonsClient(commons: other).presignedURL(other.objects[0].guid)
        XCTAssertTrue(url.hasPrefix("http://127.0.0.2:"), url)
        XCTAssertEqual(try Curl.run(url).body, other.content(of: other.objects[0].guid))
    }

    func testAddedObjectsAndKeepAlive() throws {
        let added = commons.addObject(guid: "dg.TEST/hostile", fileName: "../../escape", content: Array("payload".utf8))
        XCTAssertEqual(added.size, 7)
        XCTAssertEqual(added.md5, "321c3cf486ed509164edec1e1981fec8")
        let url = try XCTUnwrap(commons.presignedURL(for: added.guid))
        // Two transfers on one curl run: the second reuses the connection.
        let result = try Curl.run(url, [url, "-o", "/dev/null"])
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(commons.stats.requests[.storage], 2)
        XCTAssertEqual(commons.stats.bytesServed[added.guid], 14)
        let record = try Curl.run(commons.endpoint + "/index/dg.TEST%2Fhostile").json()
        XCTAssertEqual(record["file_name"] as? String, "../../escape")
    }
}
