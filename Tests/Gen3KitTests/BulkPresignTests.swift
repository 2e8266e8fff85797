import XCTest

@testable import Gen3Kit

/// The bulk presigned-URL request body and the reading of its answer.
final class BulkPresignTests: XCTestCase {
    func testBodyIsJSONWithEveryGUIDIntact() throws {
        let guids = ["dg.TEST/0a1b", "quote\"back\\slash", "tab\tnew\nline\u{1}", "ünï/cødé"]
        let body = BulkPresign.body(guids: guids)
        let parsed = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String]]
        XCTAssertEqual(parsed, ["guids": guids])
        XCTAssertEqual(BulkPresign.body(guids: []), #"{"guids":[]}"#)
    }

    func testAnswerGivesEachURLByGUIDAndLeavesOutFailures() {
        let answer = #"""
            {"failed_guids": [{"error_code": 404, "object_ids": ["c"]}, {"error_code": 401, "object_ids": []}],
             "urls": [{"drs_object_id": "a", "url": "https://s3.example/a?X-Amz-Signature=1&x=2"},
                      {"drs_object_id": "b", "url": "https://s3.example/b"}, {"drs_object_id": "d", "url": ""},
                      {"url": "https://s3.example/nobody"}, 7, null, true]}
            """#
        XCTAssertEqual(
            BulkPresign.urls(from: Array(answer.utf8)),
            ["a": "https://s3.example/a?X-Amz-Signature=1&x=2", "b": "https://s3.example/b"])
    }

    func testEscapedStringsAreReadByTheFullParser() {
        let answer = #"{"urls": [{"drs_object_id": "a\"1", "url": "https:\/\/s3.example\/a\u0026b"}], "failed_guids": []}"#
        XCTAssertNil(PlainJSON.parse(Array(answer.utf8)))
        XCTAssertEqual(BulkPresign.urls(from: Array(answer.utf8)), ["a\"1": "https://s3.example/a&b"])
    }

    func testAnythingElseIsNotAnAnswer() {
        for body in [
            "", "null", "[]", #"{"url": "https://s3.example/a"}"#, #"{"urls": {}}"#, #"{"urls": [}"#,
            "<html>Method Not Allowed</html>", #"{"urls": []} trailing"#,
        ] {
            XCTAssertNil(BulkPresign.urls(from: Array(body.utf8)), body)
        }
        XCTAssertEqual(BulkPresign.urls(from: Array(#"{"urls": [], "failed_guids": []}"#.utf8)), [:])
    }

    func testPlainJSONStopsAtItsDepthLimit() {
        let deep = String(repeating: "[", count: PlainJSON.maxDepth + 1) + String(repeating: "]", count: PlainJSON.maxDepth + 1)
        XCTAssertNil(PlainJSON.parse(Array(deep.utf8)))
        let shallow = String(repeating: "[", count: PlainJSON.maxDepth) + String(repeating: "]", count: PlainJSON.maxDepth)
        XCTAssertNotNil(PlainJSON.parse(Array(shallow.utf8)))
    }
}
