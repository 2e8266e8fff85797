import Digest
import Gen3TestCommons
import XCTest

/// Fence and indexd through a real HTTP client: tokens, presigned URLs, records.
final class FenceTests: XCTestCase {
    private var commons: TestCommons!
    private var client: CommonsClient { CommonsClient(commons: commons) }

    override func setUpWithError() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 5
        configuration.tokenLifetime = 120
        commons = try TestCommons.start(configuration)
    }

    override func tearDown() { commons.stop() }

    func testTheAcceptedAPIKeyGetsAnAccessTokenNamingTheCommons() throws {
        let credentials = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(commons.credentialsJSON().utf8)) as? [String: Any])
        let apiKey = try CommonsClient.claims(of: try XCTUnwrap(credentials["api_key"] as? String))
        XCTAssertEqual(apiKey["iss"] as? String, commons.endpoint + "/user")
        XCTAssertEqual(apiKey["aud"] as? [String], ["fence"])
        XCTAssertNotNil(credentials["key_id"] as? String)

        let token = try client.accessToken()
        let claims = try CommonsClient.claims(of: token)
        XCTAssertEqual(claims["iss"] as? String, commons.endpoint + "/user")
        let exp = try XCTUnwrap(claims["exp"] as? Int)
        let iat = try XCTUnwrap(claims["iat"] as? Int)
        XCTAssertEqual(exp - iat, 120)
        XCTAssertNotNil(claims["sub"])
        XCTAssertEqual(commons.stats.tokensIssued, 1)
        XCTAssertEqual(commons.stats.accessTokens, [token])
        XCTAssertEqual(commons.stats.requests[.token], 1)
    }

    func testAnotherAPIKeyIsRefused() throws {
        let result = try Curl.run(
            commons.endpoint + "/user/credentials/cdis/access_token",
            ["-X", "POST", "--data-binary", commons.credentialsJSON(apiKeyValid: false)])
        XCTAssertEqual(result.status, 401)
        XCTAssertEqual(try result.json()["error"] as? String, "invalid api key")
        XCTAssertEqual(commons.stats.tokensIssued, 0)
        XCTAssertEqual(commons.stats.accessTokens, [])
    }

    func testPresignedURLServesTheObjectWithItsMD5() throws {
        let object = commons.objects[2]
        let token = try client.accessToken()
        let answer = try client.download(object.guid, token: token, query: "?protocol=s3")
        XCTAssertEqual(answer.status, 200, answer.text)
        let url = try XCTUnwrap(try answer.json()["url"] as? String)
        XCTAssertTrue(url.hasPrefix(commons.storageEndpoint + "/objects/2?expires="), url)
        XCTAssertEqual(commons.stats.downloadQueries, ["protocol=s3"])

        let body = try Curl.run(url)
        XCTAssertEqual(body.status, 200)
        XCTAssertEqual(body.headers["content-length"], "\(object.size)")
        XCTAssertEqual(MD5.hex(Array(body.body)), object.md5)
        XCTAssertEqual(body.body, commons.content(of: object.guid))
        XCTAssertEqual(commons.stats.bytesServed[object.guid], object.size)
        XCTAssertEqual(commons.stats.authorizationHeadersAtStorage, 0)

        _ = try Curl.run(url, ["-H", "Authorization: Bearer \(token)"])
        XCTAssertEqual(commons.stats.authorizationHeadersAtStorage, 1)
    }

    func testDownloadNeedsALiveTokenOfThisCommons() throws {
        let guid = commons.objects[0].guid
        XCTAssertEqual(try client.download(guid, token: nil).status, 401)
        XCTAssertEqual(try client.download(guid, token: "not.a.token").status, 401)
        let other = try TestCommons.start()
        defer { other.stop() }
        XCTAssertEqual(try client.download(guid, token: other.makeAccessToken()).status, 401)

        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 1
        configuration.tokenLifetime = 0
        let expiring = try TestCommons.start(configuration)
        defer { expiring.stop() }
        let expired = try CommonsClient(commons: expiring).accessToken()
        let refused = try CommonsClient(commons: expiring).download(expiring.objects[0].guid, token: expired)
        XCTAssertEqual(refused.status, 401)
        XCTAssertNotNil(try refused.json()["error"] as? String)
    }

    func testUnknownGUIDIs404() throws {
        XCTAssertEqual(try client.download("dg.TEST/nothing-here", token: client.accessToken()).status, 404)
        XCTAssertEqual(try Curl.run(commons.endpoint + "/index/dg.TEST/nothing-here").status, 404)
    }

    func testIndexRecordWithOrWithoutEncodedSlash() throws {
        let object = commons.objects[1]
        for path in [object.guid, object.guid.replacingOccurrences(of: "/", with: "%2F")] {
            let result = try Curl.run(commons.endpoint + "/index/" + path)
            XCTAssertEqual(result.status, 200)
            let record = try result.json()
            XCTAssertEqual(record["did"] as? String, object.guid)
            XCTAssertEqual(record["file_name"] as? String, "file-1.bin")
            XCTAssertEqual(record["size"] as? Int, object.size)
            XCTAssertEqual((record["hashes"] as? [String: String])?["md5"], object.md5)
            XCTAssertTrue((record["urls"] as? [String])?.first?.hasPrefix("s3://") ?? false)
        }
    }

    func testStatsRoute() throws {
        _ = try client.accessToken()
        let stats = try Curl.run(commons.endpoint + "/_stats").json()
        XCTAssertEqual(stats["tokens_issued"] as? Int, 1)
        XCTAssertEqual((stats["requests"] as? [String: Int])?["token"], 1)
    }
}
