import CCurl
import Foundation

/// Builds the commons' API requests as curl handles for the worker's multi loop, and reads their
/// answers. The bearer token goes only on requests to the endpoint itself, which follow no redirect.
package struct CommonsRequests {
    package let endpoint: String
    package let http: HTTPOptions
    package let protocolName: String?
    private let handles: CurlHandlePool
    /// Connections kept open with the commons' token requests (`AccessTokenProvider.connections`).
    private let connections: CurlShare?

    package init(endpoint: String, http: HTTPOptions, protocolName: String?, connections: CurlShare? = nil) {
        self.endpoint = endpoint
        self.http = http
        self.protocolName = protocolName
        self.connections = connections
        handles = CurlHandlePool(limit: 64) { easy in
            if let connections { try easy.use(connections) }
            try easy.apply(http, followRedirects: false)
            try easy.set(CCURLOPT_TIMEOUT_MS, 120_000)
        }
    }

    /// `GET /user/data/download/{guid}`: a presigned URL for one attempt.
    package func presign(guid: String, token: String) throws -> (CurlEasy, MemoryReceiver) {
        var url = endpoint + "/user/data/download/" + Endpoint.pathEncoded(guid)
        if let protocolName, !protocolName.isEmpty { url += "?protocol=" + Endpoint.pathEncoded(protocolName) }
        return try request(url: url, headers: ["Authorization: Bearer " + token, "Accept: application/json"])
    }

    /// A handle for `bulkPresign` only: a POST's options stay on its handle, so it never joins the
    /// pool of GET handles.
    func makeBulkHandle() throws -> CurlEasy {
        let easy = try CurlEasy()
        if let connections { try easy.use(connections) }
        try easy.apply(http, followRedirects: false)
        try easy.set(CCURLOPT_TIMEOUT_MS, 120_000)
        return easy
    }

    /// `POST /user/data/download/bulk` for `guids` on `easy` (from `makeBulkHandle`).
    func bulkPresign(_ easy: CurlEasy, guids: [String], token: String) throws -> MemoryReceiver {
        var url = endpoint + BulkPresign.path
        if let protocolName, !protocolName.isEmpty { url += "?protocol=" + Endpoint.pathEncoded(protocolName) }
        let receiver = MemoryReceiver()
        easy.clearError()
        easy.receiver = receiver
        try easy.set(CCURLOPT_URL, string: url)
        try easy.setHeaders(["Authorization: Bearer " + token, "Content-Type: application/json", "Accept: application/json"])
        try easy.setPostBody(BulkPresign.body(guids: guids))
        return receiver
    }

    /// `GET /ga4gh/drs/v1/objects/{id}`: name, size, md5 and access methods (`DRSObject`).
    package func drsObject(id: String) throws -> (CurlEasy, MemoryReceiver) {
        try request(url: endpoint + DRSPaths.objects + Endpoint.pathEncoded(id), headers: ["Accept: application/json"])
    }

    /// `GET /ga4gh/drs/v1/objects/{id}/access/{access_id}` with the bearer token: `{"url"}`.
    package func drsAccess(id: String, accessID: String, token: String) throws -> (CurlEasy, MemoryReceiver) {
        try request(
            url: endpoint + DRSPaths.objects + Endpoint.pathEncoded(id) + "/access/" + Endpoint.pathEncoded(accessID),
            headers: ["Authorization: Bearer " + token, "Accept: application/json"])
    }

    /// `GET /index/{guid}`: name, size and md5 when the manifest lacked them.
    package func indexRecord(guid: String) throws -> (CurlEasy, MemoryReceiver) {
        try request(url: endpoint + "/index/" + Endpoint.pathEncoded(guid), headers: ["Accept: application/json"])
    }

    private func request(url: String, headers: [String]) throws -> (CurlEasy, MemoryReceiver) {
        let easy = try handles.take()
        let receiver = MemoryReceiver()
        easy.receiver = receiver
        try easy.set(CCURLOPT_URL, string: url)
        try easy.setHeaders(headers)
        return (easy, receiver)
    }

    /// Takes back a handle from `presign` or `indexRecord` once its answer has been read.
    func recycle(_ easy: CurlEasy) { handles.give(easy) }

    /// The `url` of a presigned-URL answer.
    static func presignedURL(from body: [UInt8]) -> String? {
        guard case .object(let members)? = PlainJSON.read(body), case .string(let url)? = members["url"], !url.isEmpty else { return nil }
        return url
    }
}

/// The GA4GH DRS API's routes.
enum DRSPaths {
    static let objects = "/ga4gh/drs/v1/objects/"
}

/// A presigned URL with its query (the signature) removed, safe to log or record.
package func redactedURL(_ url: String) -> String {
    guard let query = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
    return String(url[..<query]) + "?…"
}
