import Foundation
import Gen3TestCommons
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

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
        XCTAssertEqual(commons.stats.rangeStarts, [object.guid: [1001, 9999]])
        XCTAssertEqual(commons.stats.bytesServed[object.guid], 4000 + object.size - 9999)
    }

    func testRangeFromTheEndIs416() throws {
        let object = commons.objects[1]
        let result = try Curl.run(try url(object), ["-H", "Range: bytes=\(object.size)-"])
        XCTAssertEqual(result.status, 416)
        XCTAssertEqual(result.headers["content-range"], "bytes */\(object.size)")
        XCTAssertEqual(commons.stats.rangeStarts, [object.guid: [object.size]], "a range past the end is recorded as asked")
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
        // Bytes are counted once the server's write completes, which may be just after the
        // client has read them: wait for the count (a signal from the server), then check it.
        try commons.waitForStats(timeout: 30, "both bodies counted") { ($0.bytesServed[added.guid] ?? 0) >= 14 }
        XCTAssertEqual(commons.stats.bytesServed[added.guid], 14)
        let record = try Curl.run(commons.endpoint + "/index/dg.TEST%2Fhostile").json()
        XCTAssertEqual(record["file_name"] as? String, "../../escape")
    }

    func testOpenConnectionsCountDownWhenClientsGoAway() throws {
        let url = try XCTUnwrap(URLComponents(string: commons.storageEndpoint))
        let sockets = try (0..<2).map { _ in try Self.connect(host: XCTUnwrap(url.host), port: XCTUnwrap(url.port)) }
        try commons.waitForStats("two open connections") { $0.openConnections == 2 }
        close(sockets[0])
        try commons.waitForStats("one open connection") { $0.openConnections == 1 }
        close(sockets[1])
        try commons.waitForConnectionsClosed()
        XCTAssertEqual(commons.stats.openConnections, 0)
    }

    private static func connect(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        XCTAssertEqual(inet_pton(AF_INET, host, &address.sin_addr), 1)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return fd
    }
}
