import Foundation
import Gen3TestCommons
import XCTest

/// The steps a Gen3 client takes, spelled out with curl, for tests that need the earlier ones done.
struct CommonsClient {
    let commons: TestCommons

    /// Trades the commons' credentials for an access token.
    func accessToken(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try Curl.run(
            commons.endpoint + "/user/credentials/cdis/access_token",
            ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", commons.credentialsJSON()])
        XCTAssertEqual(result.status, 200, result.text, file: file, line: line)
        return try XCTUnwrap(result.json()["access_token"] as? String, file: file, line: line)
    }

    /// Asks Fence for a presigned URL of `guid` (sent percent-encoded, as clients do).
    func presignedURL(_ guid: String, token: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try download(guid, token: token ?? accessToken())
        XCTAssertEqual(result.status, 200, result.text, file: file, line: line)
        return try XCTUnwrap(result.json()["url"] as? String, file: file, line: line)
    }

    /// `GET /user/data/download/<guid>` with a bearer token, if any.
    func download(_ guid: String, token: String?, query: String = "") throws -> CurlResult {
        let encoded = guid.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? guid
        return try Curl.run(
            commons.endpoint + "/user/data/download/" + encoded + query,
            token.map { ["-H", "Authorization: Bearer \($0)"] } ?? [])
    }

    /// The claims of a JWT.
    static func claims(of token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        var base64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let data = try XCTUnwrap(Data(base64Encoded: base64))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
