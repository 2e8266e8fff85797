import XCTest

@testable import Gen3Kit

/// How a manifest's identifiers and commons are read: `DRSIdentifier`, `Endpoint.origin`,
/// `CommonsAuth`, `DRSObject`.
final class CommonsIdentityTests: XCTestCase {
    func testEachIdentifierFormSaysWhatItCan() {
        let uuid = "4f1e9a52-0b3c-4d5e-8f60-718293a4b5c6"
        let hosted = DRSIdentifier("drs://nci-crdc.datacommons.io/dg.4DFC/\(uuid)")
        XCTAssertEqual(hosted.objectID, "dg.4DFC/\(uuid)")
        XCTAssertEqual(hosted.prefix, "dg.4DFC")
        XCTAssertEqual(hosted.host, "https://nci-crdc.datacommons.io")

        let compactURI = DRSIdentifier("drs://dg.4DFC:\(uuid)")
        XCTAssertEqual(compactURI.objectID, "dg.4DFC/\(uuid)")
        XCTAssertEqual(compactURI.prefix, "dg.4DFC")
        XCTAssertNil(compactURI.host)

        let compact = DRSIdentifier("dg.MD1R/\(uuid)")
        XCTAssertEqual(compact.objectID, "dg.MD1R/\(uuid)")
        XCTAssertEqual(compact.prefix, "dg.MD1R")
        XCTAssertNil(compact.host)

        let bare = DRSIdentifier(uuid)
        XCTAssertEqual(bare.objectID, uuid)
        XCTAssertNil(bare.prefix)
        XCTAssertNil(bare.host)

        // A hostname URI with a port and a bare id; the scheme in any case.
        let loopback = DRSIdentifier("DRS://127.0.0.2:8443/\(uuid)")
        XCTAssertEqual(loopback.objectID, uuid)
        XCTAssertEqual(loopback.host, "http://127.0.0.2:8443")
        XCTAssertNil(loopback.prefix)

        XCTAssertNil(DRSIdentifier.host(of: "dg.4DFC/\(uuid)"))
        XCTAssertEqual(DRSIdentifier.host(of: "drs://example.org/\(uuid)"), "https://example.org")
        // Not enough to be a URI: kept as a GUID.
        XCTAssertEqual(DRSIdentifier("drs://").objectID, "drs://")
        XCTAssertNil(DRSIdentifier("drs://host.org/").host)
    }

    func testOriginsAreSchemeHostAndPort() throws {
        XCTAssertEqual(try Endpoint.origin(of: "gen3.biodatacatalyst.nhlbi.nih.gov"), "https://gen3.biodatacatalyst.nhlbi.nih.gov")
        XCTAssertEqual(try Endpoint.origin(of: "HTTPS://Data.Example.org/user/"), "https://data.example.org")
        XCTAssertEqual(try Endpoint.origin(of: "127.0.0.1:8080"), "http://127.0.0.1:8080")
        XCTAssertEqual(try Endpoint.origin(of: "localhost"), "http://localhost")
        XCTAssertEqual(try Endpoint.origin(of: "https://127.0.0.1:9/x"), "https://127.0.0.1:9")
        XCTAssertThrowsError(try Endpoint.origin(of: "ftp://x.org"))
        XCTAssertThrowsError(try Endpoint.origin(of: "https://user@x.org"))

        XCTAssertTrue(Endpoint.isAllowed("https://x.org", insecure: false))
        XCTAssertFalse(Endpoint.isAllowed("http://x.org", insecure: false))
        XCTAssertTrue(Endpoint.isAllowed("http://x.org", insecure: true))
        XCTAssertTrue(Endpoint.isAllowed("http://127.0.0.3:80", insecure: false))
        XCTAssertTrue(Endpoint.isAllowed("http://[::1]:80", insecure: false))
        XCTAssertFalse(Endpoint.isAllowed("http://127.example.org", insecure: false))
    }

    func testAuthFlagsNameTheirCommons() throws {
        let auth = try CommonsAuth(flags: [
            "main.json", "https://nci-crdc.datacommons.io=crdc.json", "gen3.datacommons.io=idp://wts/dcf", "accesstoken:///abc=def",
        ])
        XCTAssertEqual(auth.primary, "accesstoken:///abc=def")
        XCTAssertEqual(
            auth.byCommons, ["https://nci-crdc.datacommons.io": "crdc.json", "https://gen3.datacommons.io": "idp://wts/dcf"])
        // A token is not recorded in the job; a reference is.
        let tokens = try CommonsAuth(flags: ["x.org=accesstoken:///secret", "y.org=idp://wts/y"])
        XCTAssertEqual(tokens.storable, ["https://y.org": "idp://wts/y"])
        XCTAssertThrowsError(try CommonsAuth(flags: ["https://x.org="]))
        // A path with "=" and no host before it stays a path.
        XCTAssertEqual(try CommonsAuth(flags: ["./keys/a=b.json"]).primary, "./keys/a=b.json")
    }

    func testCredentialsAreFoundByHostUnderTheHomeDirectory() throws {
        let home = NSTemporaryDirectory() + "gen3-home-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home + "/.gen3", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let saved = getenv("HOME").map { String(cString: $0) }
        setenv("HOME", home, 1)
        defer { if let saved { setenv("HOME", saved, 1) } }
        _ = FileManager.default.createFile(atPath: home + "/.gen3/data.example.org.json", contents: Data("{}".utf8))
        _ = FileManager.default.createFile(atPath: home + "/.gen3/127.0.0.1:8080.json", contents: Data("{}".utf8))
        let auth = CommonsAuth()
        XCTAssertEqual(auth.find(for: "https://data.example.org"), home + "/.gen3/data.example.org.json")
        XCTAssertEqual(auth.find(for: "https://data.example.org:8443"), home + "/.gen3/data.example.org.json")
        XCTAssertEqual(auth.find(for: "http://127.0.0.1:8080"), home + "/.gen3/127.0.0.1:8080.json")
        XCTAssertNil(auth.find(for: "https://other.example.org"))
    }

    func testADRSObjectGivesMetadataAndAccessMethods() throws {
        let md5 = String(repeating: "ab", count: 16)
        let body = """
            {"id": "dg.TEST/1", "name": "a.bam", "size": 42, "self_uri": "drs://dg.TEST:1",
             "checksums": [{"type": "sha256", "checksum": "ff"}, {"type": "md5", "checksum": "\(md5.uppercased())"}],
             "access_methods": [{"type": "s3", "access_id": "s3", "access_url": {"url": "s3://bucket/a.bam"}, "region": "us-east-1"}]}
            """
        let object = try XCTUnwrap(DRSObject.parse(Array(body.utf8)))
        XCTAssertEqual(object.record.fileName, "a.bam")
        XCTAssertEqual(object.record.size, 42)
        XCTAssertEqual(object.record.md5, md5)
        XCTAssertEqual(object.accessIDs, ["s3"])
        XCTAssertNil(object.directURL)
        let direct = try XCTUnwrap(
            DRSObject.parse(Array(#"{"access_methods": [{"type": "https", "access_url": {"url": "https://h/x"}}]}"#.utf8)))
        XCTAssertEqual(direct.accessIDs, [])
        XCTAssertEqual(direct.directURL, "https://h/x")
        XCTAssertNil(DRSObject.parse(Array("[1]".utf8)))
    }

    func testAFenceWithoutTheDownloadRouteIsToldFromARefusal() {
        XCTAssertTrue(FenceRoute.isMissing(status: 405, body: []))
        XCTAssertTrue(FenceRoute.isMissing(status: 404, body: Array("<html>Not Found</html>".utf8)))
        XCTAssertTrue(FenceRoute.isMissing(status: 404, body: []))
        XCTAssertFalse(FenceRoute.isMissing(status: 404, body: Array(" {\"error\": \"no such object\"}".utf8)))
        XCTAssertFalse(FenceRoute.isMissing(status: 403, body: Array("<html/>".utf8)))
    }
}
