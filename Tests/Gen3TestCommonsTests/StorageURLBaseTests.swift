import Gen3TestCommons
import XCTest

/// A commons behind a proxy names the proxy in its presigned URLs, with the same path and signature.
final class StorageURLBaseTests: XCTestCase {
    func testPresignedURLsNameTheConfiguredBase() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 2
        configuration.storageURLBase = "http://127.0.0.1:9"
        let commons = try TestCommons.start(configuration)
        defer { commons.stop() }
        let client = CommonsClient(commons: commons)
        let answer = try client.download(commons.objects[1].guid, token: try client.accessToken())
        XCTAssertEqual(answer.status, 200, answer.text)
        let url = try XCTUnwrap(try answer.json()["url"] as? String)
        XCTAssertTrue(url.hasPrefix("http://127.0.0.1:9/objects/1?expires="), url)

        // The same path and query at the storage listener itself is a valid presigned URL.
        let direct = commons.storageEndpoint + url.dropFirst("http://127.0.0.1:9".count)
        XCTAssertEqual(try Curl.run(direct).status, 200)
    }
}
