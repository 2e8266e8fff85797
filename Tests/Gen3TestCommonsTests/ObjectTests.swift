import Digest
import Gen3TestCommons
import XCTest

/// Generated objects are deterministic; manifests list them.
final class ObjectTests: XCTestCase {
    private func start(seed: UInt64, count: Int = 20, empty: Int = 0) throws -> TestCommons {
        var configuration = TestCommonsConfiguration()
        configuration.seed = seed
        configuration.objectCount = count
        configuration.emptyObjectCount = empty
        configuration.minSize = 1
        configuration.maxSize = 70_000
        return try TestCommons.start(configuration)
    }

    func testSameSeedSameObjectsOtherSeedOthers() throws {
        let first = try start(seed: 9)
        let second = try start(seed: 9)
        let third = try start(seed: 10)
        defer { for commons in [first, second, third] { commons.stop() } }
        XCTAssertEqual(first.objects, second.objects)
        XCTAssertNotEqual(first.objects.map(\.guid), third.objects.map(\.guid))
        XCTAssertEqual(Set(first.objects.map(\.guid)).count, 20)
        for object in first.objects {
            XCTAssertTrue(object.guid.hasPrefix("dg.TEST/"))
            XCTAssertEqual(object.guid.count, "dg.TEST/".count + 36)
            XCTAssertEqual(object.fileName, "file-\(object.index).bin")
            XCTAssertTrue((1...70_000).contains(object.size))
            let content = try XCTUnwrap(first.content(of: object.guid))
            XCTAssertEqual(content.count, object.size)
            XCTAssertEqual(MD5.hex(Array(content)), object.md5)
        }
    }

    func testEmptyObjectsOnlyWhenAsked() throws {
        let commons = try start(seed: 3, count: 6, empty: 2)
        defer { commons.stop() }
        XCTAssertEqual(commons.objects.map(\.size).suffix(2), [0, 0])
        XCTAssertTrue(commons.objects.prefix(4).allSatisfy { $0.size > 0 })
        XCTAssertEqual(commons.objects[5].md5, "d41d8cd98f00b204e9800998ecf8427e")
    }

    func testInvalidConfigurationThrows() {
        var configuration = TestCommonsConfiguration()
        configuration.minSize = 10
        configuration.maxSize = 5
        XCTAssertThrowsError(try TestCommons.start(configuration))
    }

    func testManifestsInEveryFormat() throws {
        let commons = try start(seed: 5, count: 3)
        defer { commons.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commons-manifest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = commons.objects[0]
        commons.addObject(guid: "dg.TEST/comma", fileName: "a,\"b\".txt", content: [1])

        try commons.writeManifest(to: directory + "/m.json")
        let rows = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/m.json"))) as? [[String: Any]])
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows[0]["object_id"] as? String, first.guid)
        XCTAssertEqual(rows[0]["file_name"] as? String, first.fileName)
        XCTAssertEqual(rows[0]["file_size"] as? Int, first.size)
        XCTAssertEqual(rows[0]["md5sum"] as? String, first.md5)

        try commons.writeManifest(to: directory + "/m.tsv", format: .tsv)
        let tsv = try String(contentsOfFile: directory + "/m.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(tsv[0], "guid\tfile_name\tsize\tmd5")
        XCTAssertEqual(tsv[1], "\(first.guid)\t\(first.fileName)\t\(first.size)\t\(first.md5)")

        try commons.writeManifest(to: directory + "/m.csv", format: .csv)
        let csv = try String(contentsOfFile: directory + "/m.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv[0], "guid,file_name,size,md5")
        XCTAssertTrue(csv[4].hasPrefix("dg.TEST/comma,\"a,\"\"b\"\".txt\",1,"), String(csv[4]))

        try commons.writeManifest(to: directory + "/bare.json", includeMetadata: false, guids: [first.guid, "dg.TEST/unknown"])
        let bare = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/bare.json"))) as? [[String: String]])
        XCTAssertEqual(bare, [["object_id": first.guid], ["object_id": "dg.TEST/unknown"]])
    }

    func testStopIsIdempotentAndClosesTheListeners() throws {
        let commons = try start(seed: 1, count: 1)
        let endpoint = commons.endpoint
        commons.stop()
        commons.stop()
        XCTAssertNotEqual(try Curl.run(endpoint + "/_stats").exitCode, 0)
    }

    func testReleasingTheCommonsStopsIt() throws {
        var commons: TestCommons? = try start(seed: 1, count: 1)
        weak let released = commons
        let endpoint = try XCTUnwrap(commons?.endpoint)
        XCTAssertEqual(try Curl.run(endpoint + "/_stats").status, 200)
        commons = nil
        XCTAssertNil(released)
        XCTAssertNotEqual(try Curl.run(endpoint + "/_stats").exitCode, 0)
    }
}
