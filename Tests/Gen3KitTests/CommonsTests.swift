import Foundation
import XCTest

@testable import Gen3Kit

final class CommonsTests: XCTestCase {
    func testEndpointNormalisation() throws {
        XCTAssertEqual(try Endpoint.normalize("my-commons.org"), "https://my-commons.org")
        XCTAssertEqual(try Endpoint.normalize("http://127.0.0.1:8080/"), "http://127.0.0.1:8080")
        XCTAssertThrowsError(try Endpoint.normalize("ftp://x.org"))
        XCTAssertThrowsError(try Endpoint.normalize("https://"))
        XCTAssertEqual(Endpoint.pathEncoded("dg.ABCD/4f1e 9"), "dg.ABCD/4f1e%209")
        XCTAssertEqual(Endpoint.pathEncoded("drs://host.org/abc"), "drs://host.org/abc")
    }

    func testCredentialsNameTheirCommons() throws {
        let payload = Data(#"{"iss":"https://data.example.org/user","exp":99}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let key = "eyJhbGciOiJSUzI1NiJ9.\(payload).sig"
        let credentials = try Credentials.parse(Data(#"{"api_key": "\#(key)", "key_id": "k"}"#.utf8), origin: "t")
        XCTAssertEqual(credentials.issuerEndpoint, "https://data.example.org")
        XCTAssertEqual(JWT.expiry(of: key), 99)
        XCTAssertThrowsError(try Credentials.parse(Data("[]".utf8), origin: "t"))
        XCTAssertThrowsError(try Credentials.parse(Data(#"{"key_id": "k"}"#.utf8), origin: "t"))
    }

    /// Small documents are read leniently: a member of another type is left out, the rest kept.
    func testSmallDocumentsKeepWhatTheyCanRead() throws {
        let record = IndexRecord.parse(Array(#"{"file_name": 7, "size": 12, "hashes": {"md5": "0123456789ABCDEF0123456789abcdef"}}"#.utf8))
        XCTAssertEqual(record?.fileName, nil)
        XCTAssertEqual(record?.size, 12)
        XCTAssertEqual(record?.md5, "0123456789abcdef0123456789abcdef")
        XCTAssertEqual(IndexRecord.parse(Array(#"{"size": -1, "hashes": {"md5": "short"}}"#.utf8)), IndexRecord())
        XCTAssertNil(IndexRecord.parse(Array("[1]".utf8)))
        XCTAssertNil(IndexRecord.parse(Array("<html>".utf8)))
        for (text, reason) in [("nope", "not valid JSON"), ("[]", "not a JSON object"), (#"{"api_key": 5}"#, "no \"api_key\" string")] {
            XCTAssertThrowsError(try Credentials.parse(Data(text.utf8), origin: "t")) { error in
                XCTAssertEqual(error as? CommonsError, .credentialsMalformed(path: "t", reason: reason))
            }
        }
        let body = Credentials(source: .apiKey(apiKey: "k/1", keyID: nil), origin: "t").tokenRequestBody
        XCTAssertEqual(body, #"{"api_key":"k/1"}"#)
    }

    func testCredentialsPrintRedacted() throws {
        let key = Credentials(source: .apiKey(apiKey: "secret-api-key-value", keyID: "k1"), origin: "/home/u/credentials.json")
        let token = Credentials(source: .accessToken("secret-token-value"), origin: "accesstoken:///")
        for credentials in [key, token] {
            for text in [String(describing: credentials), String(reflecting: credentials), "\(credentials.source)", "\([credentials])"] {
                XCTAssertFalse(text.contains("secret"), text)
                XCTAssertTrue(text.contains("[redacted]"), text)
            }
        }
        XCTAssertTrue(String(describing: key).contains("k1") && String(describing: key).contains("/home/u/credentials.json"))
    }

    func testResponseHeadKeepsTheLastResponseOnly() {
        var head = ResponseHead()
        for line in [
            "HTTP/1.1 302 Found\r\n", "Location: http://x/\r\n", "Retry-After: 5\r\n",
            "HTTP/1.1 206 Partial Content\r\n", "Content-Range: bytes 100-199/200\r\n", "Content-Length: 100\r\n",
        ] {
            Array(line.utf8).withUnsafeBytes { head.consume($0) }
        }
        XCTAssertEqual(head.status, 206)
        XCTAssertEqual(head.rangeStart, 100)
        XCTAssertEqual(head.contentLength, 100)
        XCTAssertNil(head.retryAfter)
    }

    func testResponseHeadReadsNamesInAnyCaseAndRejectsJunkNumbers() {
        var head = ResponseHead()
        for line in [
            "HTTP/2 503 \r\n", "rEtRy-AfTeR:\t7 \r\n", "LOCATION:  https://y/z?a=b \r\n", "content-length: 12x\r\n",
            "X-Content-Length: 5\r\n", "no colon here\r\n",
        ] {
            Array(line.utf8).withUnsafeBytes { head.consume($0) }
        }
        XCTAssertEqual(head.status, 503)
        XCTAssertEqual(head.retryAfter, 7)
        XCTAssertEqual(head.location, "https://y/z?a=b")
        XCTAssertNil(head.contentLength)
        Array("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n".utf8).withUnsafeBytes { head.consume($0) }
        XCTAssertEqual(head.retryAfter, 60)
        Array("HTTP/1.1 garbage\r\n".utf8).withUnsafeBytes { head.consume($0) }
        XCTAssertEqual(head.status, 0)
        XCTAssertNil(head.location)
    }

    /// The fast reader agrees with Foundation's on every answer it takes, and leaves every other
    /// one to it.
    func testPresignedURLsReadFastOrByTheFullParserAlike() {
        let cases: [(String, String?)] = [
            (#"{"url": "https://s3.example/a?X-Amz-Signature=x&b=1"}"#, "https://s3.example/a?X-Amz-Signature=x&b=1"),
            (" {\n\"url\" : \"http://h/é\" , \"x\": \"y\"}\r\n", "http://h/é"),
            (#"{"url": "https:\/\/h\/escaped"}"#, "https://h/escaped"),
            (#"{"url": "https://h/", "expires_in": 3600}"#, "https://h/"),
            (#"{"other": "x"}"#, nil),
            (#"{"url": ""}"#, nil),
            (#"{"url": 5}"#, nil),
            (#"{"url": "a", "url": "b"}"#, "b"),
            (#"{"url": "a"} trailing"#, nil),
            (#"{"url": "a""#, nil),
            ("[]", nil),
            ("", nil),
        ]
        for (body, expected) in cases {
            XCTAssertEqual(CommonsRequests.presignedURL(from: Array(body.utf8)), expected, body)
        }
        XCTAssertNotNil(PlainJSON.parse(Array(#"{"url": "https://h/"}"#.utf8)))
        XCTAssertNil(PlainJSON.parse(Array(#"{"url": "https:\/\/h"}"#.utf8)), "escapes go to the full parser")
        XCTAssertNil(PlainJSON.parse(Array(#"{"url": "a", "url": "b"}"#.utf8)), "so do repeated keys")
    }

    func testPathEncodingKeepsGUIDsAndEscapesTheRest() {
        XCTAssertEqual(Endpoint.pathEncoded("dg.4503/abc-123_x~y:z"), "dg.4503/abc-123_x~y:z")
        XCTAssertEqual(Endpoint.pathEncoded("a b?c#é"), "a%20b%3Fc%23%C3%A9")
    }

    func testRetryDelaysGrowAndAreCapped() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 2, maxDelay: 10)
        XCTAssertEqual(policy.delay(afterAttempt: 1, jitter: 0.5), 2)
        XCTAssertEqual(policy.delay(afterAttempt: 3, jitter: 0.5), 8)
        XCTAssertEqual(policy.delay(afterAttempt: 30, jitter: 0.5), 10)
        XCTAssertEqual(policy.delay(afterAttempt: 2, jitter: 0), 2)
        XCTAssertLessThan(policy.delay(afterAttempt: 2, jitter: 0.999), 6)
    }

    func testRedactedURLDropsTheSignature() {
        XCTAssertEqual(redactedURL("https://s3.example/obj?X-Amz-Signature=secret"), "https://s3.example/obj?…")
    }
}
