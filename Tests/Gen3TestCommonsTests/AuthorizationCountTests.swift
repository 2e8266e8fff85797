import Gen3TestCommons
import XCTest

/// `Authorization` headers counted per listener and per token issuer, so a test can tell where a
/// token went.
final class AuthorizationCountTests: XCTestCase {
    func testHeadersAreCountedPerListenerAndIssuer() throws {
        var configuration = TestCommonsConfiguration()
        configuration.objectCount = 2
        configuration.storageHost = "127.0.0.2"
        let commons = try TestCommons.start(configuration)
        defer { commons.stop() }
        let other = try TestCommons.start(configuration)
        defer { other.stop() }
        let client = CommonsClient(commons: commons)
        let token = try client.accessToken()
        let url = try client.presignedURL(commons.objects[0].guid, token: token)
        _ = try client.download(commons.objects[1].guid, token: other.makeAccessToken())
        _ = try client.download(commons.objects[1].guid, token: "not-a-jwt")
        _ = try Curl.run(url, ["-H", "Authorization: Bearer \(token)"])
        XCTAssertEqual(commons.stats.authorizationHeadersAtStorage, 1)

        let issuer = commons.endpoint + "/user"
        XCTAssertEqual(
            commons.stats.authorizations,
            [
                commons.endpoint: [issuer: 1, other.endpoint + "/user": 1, "": 1],
                commons.storageEndpoint: [issuer: 1],
            ])
        XCTAssertEqual(commons.stats.authorizationHeaders(at: commons.endpoint), 3)
        XCTAssertEqual(commons.stats.authorizationHeaders(at: commons.storageEndpoint), 1)
        XCTAssertEqual(other.stats.authorizations, [:])

        let json = try Curl.run(commons.endpoint + "/_stats").json()
        let counted = try XCTUnwrap(json["authorizations"] as? [String: [String: Int]])
        XCTAssertEqual(counted[commons.storageEndpoint], [issuer: 1])
    }
}
