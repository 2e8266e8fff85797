import Gen3TestCommons
import XCTest

/// indexd's record routes in the shapes indexd 6.3 answers, and the GUID prefix they carry.
final class IndexdTests: XCTestCase {
    private var commons: TestCommons!

    override func setUpWithError() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 3
        configuration.guidPrefix = "dg.ABCD"
        commons = try TestCommons.start(configuration)
    }

    override func tearDown() { commons.stop() }

    func testGUIDsCarryTheConfiguredPrefix() throws {
        for object in commons.objects {
            XCTAssertTrue(object.guid.hasPrefix("dg.ABCD/"), object.guid)
            XCTAssertEqual(object.prefix, "dg.ABCD")
            XCTAssertEqual(object.uuid.count, 36)
            XCTAssertEqual(object.prefix + "/" + object.uuid, object.guid)
        }
        var configuration = TestCommonsConfiguration()
        configuration.guidPrefix = "dg.A/B"
        XCTAssertThrowsError(try TestCommons.start(configuration))
        configuration.guidPrefix = ""
        XCTAssertThrowsError(try TestCommons.start(configuration))
    }

    func testEveryEncodingOfTheDidAndTheBareUUIDAnswerTheFullRecord() throws {
        let object = commons.objects[1]
        let spellings = [
            object.guid, "dg.ABCD%2F" + object.uuid, "dg.ABCD%2f" + object.uuid, object.uuid,
        ]
        for route in ["/index/", "/"] {
            for did in spellings {
                let result = try Curl.run(commons.endpoint + route + did)
                XCTAssertEqual(result.status, 200, "\(route)\(did): \(result.text)")
                let record = try result.json()
                XCTAssertEqual(record["did"] as? String, object.guid, "the answer carries the prefixed did")
                XCTAssertEqual(record["baseid"] as? String, object.uuid)
                XCTAssertEqual(record["size"] as? Int, object.size)
                XCTAssertEqual(record["file_name"] as? String, object.fileName)
                XCTAssertEqual((record["hashes"] as? [String: String])?["md5"], object.md5)
                XCTAssertEqual(record["form"] as? String, "object")
                XCTAssertEqual(record["authz"] as? [String], ["/open"])
                XCTAssertEqual(record["acl"] as? [String], ["*"])
                XCTAssertEqual(record["rev"] as? String, String(object.md5.prefix(8)))
                let urls = try XCTUnwrap(record["urls"] as? [String])
                XCTAssertTrue(urls.first?.hasPrefix("s3://") ?? false)
                XCTAssertNotNil((record["urls_metadata"] as? [String: Any])?[urls[0]])
                XCTAssertNotNil(record["created_date"] as? String)
            }
        }
        XCTAssertEqual(commons.stats.requests[.index], 8)
    }

    func testTrailingSlashAndUnknownDidsAre404WithIndexdsErrorBody() throws {
        let object = commons.objects[0]
        for path in [
            "/index/" + object.guid + "/", "/" + object.guid + "/", "/index/" + object.uuid + "/",
            "/index/dg.OTHER/" + object.uuid, "/index/dg.ABCD/00000000-0000-4000-8000-000000000000",
        ] {
            let result = try Curl.run(commons.endpoint + path)
            XCTAssertEqual(result.status, 404, path)
            XCTAssertNotNil(try result.json()["error"] as? String, result.text)
        }
    }

    func testFaultsFollowTheObjectHoweverItIsNamed() throws {
        let object = commons.objects[2]
        commons.setFault(.status(503, at: .index, retryAfter: 2), guid: object.guid, times: .times(2))
        XCTAssertEqual(try Curl.run(commons.endpoint + "/index/" + object.uuid).status, 503)
        XCTAssertEqual(try Curl.run(commons.endpoint + "/" + object.guid).status, 503)
        XCTAssertEqual(try Curl.run(commons.endpoint + "/index/" + object.uuid).status, 200)
    }

    func testFenceResolvesABareUUIDLikeIndexd() throws {
        let object = commons.objects[0]
        let client = CommonsClient(commons: commons)
        let url = try client.presignedURL(object.uuid)
        XCTAssertEqual(try Curl.run(url).body, commons.content(of: object.guid))
        let bulk = try Curl.run(
            commons.endpoint + "/user/data/download/bulk",
            ["-X", "POST", "-H", "Authorization: Bearer \(client.accessToken())", "--data-binary", "{\"guids\": [\"\(object.uuid)\"]}"])
        let urls = try XCTUnwrap(try bulk.json()["urls"] as? [[String: String]])
        XCTAssertEqual(urls.first?["drs_object_id"], object.uuid)
    }
}
