import Foundation
import NIOCore
import NIOHTTP1

/// One connection to the commons: Fence and indexd on the API listener, objects on the storage one.
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let commons: TestCommons
    let storage: Bool
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(commons: TestCommons, storage: Bool) {
        self.commons = commons
        self.storage = storage
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(var buffer):
            if body.count < 4 << 20, let bytes = buffer.readBytes(length: buffer.readableBytes) { body += bytes }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            if storage { serveStorage(context, requestHead) } else { serveAPI(context, requestHead) }
        }
    }

    // MARK: - Fence and indexd

    private func serveAPI(_ context: ChannelHandlerContext, _ request: HTTPRequestHead) {
        let (path, query) = split(request.uri)
        if request.method == .POST && path == "/user/credentials/cdis/access_token" {
            commons.recorder.update { $0.requests[.token, default: 0] += 1 }
            if case .status(let code, _, let retryAfter)? = commons.faults.take(route: .token, guid: "") {
                return respond(context, request, code, json: ["error": "injected"], retryAfter: retryAfter)
            }
            guard let token = commons.issueToken(for: body) else {
                return respond(context, request, 401, json: ["error": "invalid api key"])
            }
            return respond(context, request, 200, json: ["access_token": token])
        }
        if request.method == .GET && path.hasPrefix("/user/data/download/") {
            let guid = percentDecoded(String(path.dropFirst("/user/data/download/".count)))
            commons.recorder.update {
                $0.requests[.download, default: 0] += 1
                if let query { $0.downloadQueries.append(query) }
            }
            let authorization = request.headers.first(name: "Authorization") ?? ""
            guard authorization.hasPrefix("Bearer "), commons.isValidToken(String(authorization.dropFirst(7))) else {
                return respond(context, request, 401, json: ["error": "missing or expired token"])
            }
            let fault = commons.faults.take(route: .download, guid: guid)
            if case .status(let code, _, let retryAfter)? = fault {
                return respond(context, request, code, json: ["error": "injected \(code)"], retryAfter: retryAfter)
            }
            guard let object = commons.store.object(guid: guid) else {
                return respond(context, request, 404, json: ["error": "no such object: \(guid)"])
            }
            switch fault {
            case .echoAuthorization?: return respond(context, request, 403, json: ["error": "forbidden for \(authorization)"])
            case .presignedURL(let url)?: return respond(context, request, 200, json: ["url": url])
            case .expiredURL?: return respond(context, request, 200, json: ["url": commons.presignedURL(for: object, expired: true)])
            default: return respond(context, request, 200, json: ["url": commons.presignedURL(for: object, expired: false)])
            }
        }
        if request.method == .GET && path.hasPrefix("/index/") {
            let guid = percentDecoded(String(path.dropFirst("/index/".count)))
            commons.recorder.update { $0.requests[.index, default: 0] += 1 }
            if case .status(let code, _, let retryAfter)? = commons.faults.take(route: .index, guid: guid) {
                return respond(context, request, code, json: ["error": "injected \(code)"], retryAfter: retryAfter)
            }
            guard let object = commons.store.object(guid: guid) else { return respond(context, request, 404, json: ["error": "no record"]) }
            return respond(context, request, 200, json: ["did": guid, "file_name": object.fileName, "size": object.size,
                                                         "hashes": ["md5": object.md5], "urls": ["s3://test-bucket/\(object.index)"]])
        }
        if path == "/_stats" {
            let stats = commons.stats
            return respond(context, request, 200, json: ["tokens_issued": stats.tokensIssued, "total_bytes_served": stats.totalBytesServed,
                                                         "authorization_headers_at_storage": stats.authorizationHeadersAtStorage,
                                                         "requests": Dictionary(uniqueKeysWithValues: stats.requests.map { ($0.key.rawValue, $0.value) })])
        }
        respond(context, request, 404, json: ["error": "not found"])
    }

    // MARK: - Storage

    private func serveStorage(_ context: ChannelHandlerContext, _ request: HTTPRequestHead) {
        let (path, query) = split(request.uri)
        let rangeHeader = request.headers.first(name: "Range")
        commons.recorder.update {
            $0.requests[.storage, default: 0] += 1
            if request.headers.contains(name: "Authorization") { $0.authorizationHeadersAtStorage += 1 }
            if rangeHeader != nil { $0.rangeRequests += 1 }
        }
        let parameters = Dictionary((query ?? "").split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { first, _ in first })
        guard path.hasPrefix("/objects/"), let index = Int(path.dropFirst("/objects/".count)),
              let object = commons.store.object(index: index) else {
            return respond(context, request, 404, text: s3Error("NoSuchKey", "The specified key does not exist."))
        }
        guard let expires = parameters["expires"].flatMap(Int.init), parameters["sig"] == commons.urlSignature(index, expires) else {
            return respond(context, request, 403, text: s3Error("SignatureDoesNotMatch", "The request signature does not match."))
        }
        guard expires > Int(Date().timeIntervalSince1970) else {
            return respond(context, request, 403, text: s3Error("AccessDenied", "Request has expired"))
        }
        let fault = commons.faults.take(route: .storage, guid: object.guid)
        switch fault {
        case .status(let code, _, let retryAfter)?:
            return respond(context, request, code, text: s3Error("Injected", "injected \(code)"), retryAfter: retryAfter)
        case .redirect(let location)?:
            return respond(context, request, 302, text: "", extraHeaders: [("Location", location)])
        default: break
        }
        var start = 0, end = object.size
        var status = HTTPResponseStatus.ok
        var headers = HTTPHeaders()
        if let rangeHeader, fault != .ignoreRange, let range = parseRange(rangeHeader, size: object.size) {
            guard range.lowerBound < object.size else {
                return respond(context, request, 416, text: "", extraHeaders: [("Content-Range", "bytes */\(object.size)")])
            }
            start = range.lowerBound
            end = min(range.upperBound, object.size)
            status = .partialContent
            headers.add(name: "Content-Range", value: "bytes \(start)-\(end - 1)/\(object.size)")
        }
        var declared = end - start
        if case .extraBytes(let extra)? = fault { declared += extra }
        var limit = declared
        switch fault {
        case .resetAfter(let bytes)?, .shortBody(let bytes)?: limit = min(declared, bytes)
        case .stall?: limit = 0
        default: break
        }
        headers.add(name: "Content-Length", value: "\(declared)")
        headers.add(name: "Content-Type", value: "application/octet-stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if case .stall? = fault { return }
        var chunk = 64 * 1024
        var delay: TimeAmount?
        if case .trickle(let rate)? = fault {
            chunk = max(1, rate / 10)
            delay = .milliseconds(100)
        }
        let streamer = BodyStreamer(context: context, handler: self, commons: commons, object: object, start: start,
                                    declared: declared, limit: limit, chunk: chunk, delay: delay, corrupt: fault == .corrupt,
                                    reset: { if case .resetAfter? = fault { return true } else { return false } }(),
                                    keepAlive: request.isKeepAlive)
        streamer.step()
    }

    // MARK: - Helpers

    private func split(_ uri: String) -> (String, String?) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, nil) }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }

    private func percentDecoded(_ text: String) -> String { text.removingPercentEncoding ?? text }

    private func parseRange(_ header: String, size: Int) -> Range<Int>? {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2, let first = Int(spec[0]) else { return nil }
        let last = spec[1].isEmpty ? size - 1 : (Int(spec[1]) ?? size - 1)
        return first..<max(first, last + 1)
    }

    private func s3Error(_ code: String, _ message: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>"
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ code: Int, json: [String: Any],
                         retryAfter: Int? = nil) {
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data()
        respond(context, request, code, bytes: Array(data), contentType: "application/json", retryAfter: retryAfter)
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ code: Int, text: String,
                         retryAfter: Int? = nil, extraHeaders: [(String, String)] = []) {
        respond(context, request, code, bytes: Array(text.utf8), contentType: "application/xml", retryAfter: retryAfter,
                extraHeaders: extraHeaders)
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ code: Int, bytes: [UInt8],
                         contentType: String, retryAfter: Int? = nil, extraHeaders: [(String, String)] = []) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(bytes.count)")
        if let retryAfter { headers.add(name: "Retry-After", value: "\(retryAfter)") }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
