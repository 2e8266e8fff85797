import Digest
import Gen3TestCommons
import XCTest

/// The GA4GH DRS routes: indexd's object route and Fence's access route.
final class DRSTests: XCTestCase {
    private var commons: TestCommons!
    private var client: CommonsClient { CommonsClient(commons: commons) }
    private let objects = "/ga4gh/drs/v1/objects/"

    override func setUpWithError() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 3
        configuration.guidPrefix = "dg.TEST1"
        configuration.apiKeySecret = "secret-one"
        commons = try TestCommons.start(configuration)
    }

    override func tearDown() { commons.stop() }

    func testObjectsAnswerWithoutAuthInDRSShape() throws {
        let object = commons.objects[1]
        for did in [object.guid, "dg.TEST1%2F" + object.uuid, "dg.TEST1%2f" + object.uuid, object.uuid] {
            let result = try Curl.run(commons.endpoint + objects + did)
            XCTAssertEqual(result.status, 200, "\(did): \(result.text)")
            let drs = try result.json()
            XCTAssertEqual(drs["id"] as? String, object.guid)
            XCTAssertEqual(drs["name"] as? String, object.fileName)
            XCTAssertEqual(drs["size"] as? Int, object.size)
            XCTAssertEqual(drs["self_uri"] as? String, "drs://dg.TEST1:" + object.uuid)
            XCTAssertNotNil(drs["created_time"] as? String)
            let checksums = try XCTUnwrap(drs["checksums"] as? [[String: String]])
            XCTAssertEqual(checksums, [["type": "md5", "checksum": object.md5]])
            let methods = try XCTUnwrap(drs["access_methods"] as? [[String: Any]])
            XCTAssertEqual(methods.count, 1)
            XCTAssertEqual(methods[0]["type"] as? String, "s3")
            XCTAssertEqual(methods[0]["access_id"] as? String, "s3")
            XCTAssertEqual(methods[0]["region"] as? String, "us-east-1")
            XCTAssertTrue(((methods[0]["access_url"] as? [String: String])?["url"])?.hasPrefix("s3://") ?? false)
            for absent in ["did", "urls", "hashes"] { XCTAssertNil(drs[absent], absent) }
        }
        XCTAssertEqual(commons.stats.requests[.drsObject], 4)
    }

    func testUnknownObjectsAndTrailingSlashesAre404WithDRSErrorBody() throws {
        let object = commons.objects[0]
        for did in [object.guid + "/", "dg.TEST1/nothing-here", "dg.TEST2/" + object.uuid] {
            let result = try Curl.run(commons.endpoint + objects + did)
            XCTAssertEqual(result.status, 404, did)
            let body = try result.json()
            XCTAssertEqual(body["status_code"] as? Int, 404)
            XCTAssertNotNil(body["msg"] as? String)
            XCTAssertNil(body["error"])
        }
    }

    func testAccessAnswersAPresignedURLWithATokenOfThisCommonsOnly() throws {
        let object = commons.objects[2]
        let path = commons.endpoint + objects + object.guid + "/access/s3"
        let refused = try Curl.run(path)
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(try refused.json()["status_code"] as? Int, 401)

        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 1
        configuration.guidPrefix = "dg.TEST2"
        configuration.apiKeySecret = "secret-two"
        let other = try TestCommons.start(configuration)
        defer { other.stop() }
        let foreign = try CommonsClient(commons: other).accessToken()
        XCTAssertEqual(try Curl.run(path, ["-H", "Authorization: Bearer \(foreign)"]).status, 401, "commons B's token at commons A")
        let theirs = other.endpoint + objects + other.objects[0].guid + "/access/s3"
        XCTAssertEqual(try Curl.run(theirs, ["-H", "Authorization: Bearer \(client.accessToken())"]).status, 401, "A's token at B")
        XCTAssertEqual(
            try Curl.run(
                other.endpoint + "/user/credentials/cdis/access_token", ["-X", "POST", "--data-binary", commons.credentialsJSON()]
            ).status, 401, "A's API key at B")

        let token = try client.accessToken()
        for did in [object.guid, "dg.TEST1%2F" + object.uuid, object.uuid] {
            let answer = try Curl.run(commons.endpoint + objects + did + "/access/s3", ["-H", "Authorization: Bearer \(token)"])
            XCTAssertEqual(answer.status, 200, answer.text)
            let url = try XCTUnwrap(try answer.json()["url"] as? String)
            XCTAssertTrue(url.hasPrefix(commons.storageEndpoint + "/objects/2?"), url)
            XCTAssertEqual(MD5.hex(try Curl.run(url).body), object.md5)
        }
        let unknownMethod = try Curl.run(
            path.replacingOccurrences(of: "/access/s3", with: "/access/gs"), ["-H", "Authorization: Bearer \(token)"])
        XCTAssertEqual(unknownMethod.status, 400)
        XCTAssertEqual(try unknownMethod.json()["status_code"] as? Int, 400)
        let unknownObject = try Curl.run(
            commons.endpoint + objects + "dg.TEST1/nothing/access/s3", ["-H", "Authorization: Bearer \(token)"])
        XCTAssertEqual(unknownObject.status, 404)
        XCTAssertEqual(commons.stats.requests[.drsAccess], 7)
    }

    func testFaultsActOnBothDRSRoutesAndDownloadFaultsOnAccess() throws {
        let object = commons.objects[0]
        let token = try client.accessToken()
        let bearer = ["-H", "Authorization: Bearer \(token)"]
        commons.setFault(.status(503, at: .drsObject, retryAfter: 3), guid: object.guid)
        let down = try Curl.run(commons.endpoint + objects + object.uuid)
        XCTAssertEqual(down.status, 503)
        XCTAssertEqual(down.headers["retry-after"], "3")
        XCTAssertEqual(try down.json()["status_code"] as? Int, 503)
        XCTAssertEqual(try Curl.run(commons.endpoint + objects + object.uuid).status, 200)

        commons.setFault(.status(429, at: .drsAccess), guid: object.guid)
        XCTAssertEqual(try Curl.run(commons.endpoint + objects + object.guid + "/access/s3", bearer).status, 429)
        commons.setFault(.presignedURL("file:///etc/passwd"), guid: object.guid)
        let hostile = try Curl.run(commons.endpoint + objects + object.guid + "/access/s3", bearer)
        XCTAssertEqual(try hostile.json()["url"] as? String, "file:///etc/passwd")
        commons.setFault(.apiRedirect(to: "http://127.0.0.1:9/elsewhere", at: .drsAccess), guid: object.guid)
        let redirected = try Curl.run(commons.endpoint + objects + object.guid + "/access/s3", bearer)
        XCTAssertEqual(redirected.status, 302)
        XCTAssertEqual(redirected.headers["location"], "http://127.0.0.1:9/elsewhere")
        XCTAssertEqual(commons.stats.faultsFired, 4)
    }

    func testWithoutFenceDownloadRoutesOnlyDRSAccessGivesURLs() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 2
        configuration.fenceDownloadRoute = false
        let drsOnly = try TestCommons.start(configuration)
        defer { drsOnly.stop() }
        let client = CommonsClient(commons: drsOnly)
        let token = try client.accessToken()
        let object = drsOnly.objects[1]
        XCTAssertEqual(try client.download(object.guid, token: token).status, 404)
        let bulk = try Curl.run(
            drsOnly.endpoint + "/user/data/download/bulk",
            ["-X", "POST", "-H", "Authorization: Bearer \(token)", "--data-binary", "{\"guids\": [\"\(object.guid)\"]}"])
        XCTAssertEqual(bulk.status, 404)
        let access = try Curl.run(drsOnly.endpoint + objects + object.guid + "/access/s3", ["-H", "Authorization: Bearer \(token)"])
        XCTAssertEqual(access.status, 200, access.text)
        XCTAssertEqual(drsOnly.stats.requests[.download], 1)
        XCTAssertEqual(drsOnly.stats.requests[.bulkDownload], 1)
        XCTAssertEqual(drsOnly.stats.requests[.drsAccess], 1)
    }
}
