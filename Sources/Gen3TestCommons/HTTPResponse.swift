import Foundation
import NIOHTTP1

/// A whole response held in memory: the control plane's JSON and storage's errors.
struct HTTPResponse {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: [UInt8]

    init(status: Int, contentType: String, body: [UInt8], retryAfter: Int? = nil) {
        self.status = HTTPResponseStatus(statusCode: status)
        self.body = body
        headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(body.count)")])
        if let retryAfter { headers.add(name: "Retry-After", value: "\(retryAfter)") }
    }

    /// A JSON body, an object or a list (sorted keys, `/` unescaped so URLs read as they are).
    static func json(_ status: Int, _ object: Any, retryAfter: Int? = nil) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return HTTPResponse(status: status, contentType: "application/json", body: Array(data), retryAfter: retryAfter)
    }

    /// A 200 JSON answer of `object` with a `padding` member of `a`s making the body exactly `size`
    /// bytes (or as small as it gets without padding, if that is larger).
    static func padded(_ object: [String: Any], to size: Int) -> HTTPResponse {
        var padded = object
        padded["padding"] = ""
        let bare = json(200, padded).body.count
        padded["padding"] = String(repeating: "a", count: max(0, size - bare))
        return json(200, padded)
    }

    /// `302 Found` to `location`, with an empty body.
    static func redirect(to location: String) -> HTTPResponse {
        var response = HTTPResponse(status: 302, contentType: "text/plain", body: [])
        response.headers.add(name: "Location", value: location)
        return response
    }

    /// Fence's and indexd's error shape: `{"error": message}`.
    static func error(_ status: Int, _ message: String, retryAfter: Int? = nil) -> HTTPResponse {
        json(status, ["error": message], retryAfter: retryAfter)
    }

    /// The GA4GH DRS error shape, which indexd's DRS routes answer: `{"msg": message, "status_code": status}`.
    static func drsError(_ status: Int, _ message: String, retryAfter: Int? = nil) -> HTTPResponse {
        json(status, ["msg": message, "status_code": status], retryAfter: retryAfter)
    }

    /// An S3-style XML error, as a storage bucket answers.
    static func s3Error(_ status: Int, code: String, message: String, retryAfter: Int? = nil) -> HTTPResponse {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message></Error>"
        return HTTPResponse(status: status, contentType: "application/xml", body: Array(xml.utf8), retryAfter: retryAfter)
    }
}
