import Foundation
import NIOHTTP1

/// One whole request, head and body, as the responders see it.
struct HTTPRequest {
    let head: HTTPRequestHead
    let body: [UInt8]
    /// The path as sent, still percent-encoded.
    let path: String
    /// What follows `?`, if anything.
    let query: String?
    /// The query's `name=value` pairs (the first of each name), percent-decoded.
    let parameters: [String: String]

    init(head: HTTPRequestHead, body: [UInt8]) {
        self.head = head
        self.body = body
        let uri = head.uri
        if let mark = uri.firstIndex(of: "?") {
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = nil
        }
        var parameters: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            if parameters[name] == nil { parameters[name] = value }
        }
        self.parameters = parameters
    }

    var method: HTTPMethod { head.method }

    /// The first value of header `name`.
    func header(_ name: String) -> String? { head.headers.first(name: name) }

    /// The rest of the path after `prefix`, percent-decoded (a GUID may arrive as `dg.TEST%2F…`),
    /// or nil when the path does not start with `prefix` or nothing follows it.
    func pathRemainder(after prefix: String) -> String? {
        rawPathRemainder(after: prefix).map(Self.decoded)
    }

    /// The rest of the path after `prefix` as sent, still percent-encoded, for routes that split it
    /// at a `/` before decoding; nil when the path does not start with `prefix` or nothing follows it.
    func rawPathRemainder(after prefix: String) -> String? {
        guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// `text` percent-decoded, or as it is when it is not valid percent-encoding.
    static func decoded<Text: StringProtocol>(_ text: Text) -> String {
        text.removingPercentEncoding ?? String(text)
    }
}
