/// The control-plane listener: routes requests to ``Fence``, ``Indexd``, ``DRSObjects``,
/// ``AggregateMetadata`` and `GET /_stats`.
struct ControlPlane: HTTPResponder {
    let state: CommonsState

    func reply(to request: HTTPRequest) -> Reply {
        let response = response(to: request)
        if request.path == "/user/credentials/cdis/access_token", let gate = state.tokenGate { return .held(response, gate) }
        return .response(response)
    }

    private func response(to request: HTTPRequest) -> HTTPResponse {
        let fence = Fence(state: state)
        if request.path == "/user/credentials/cdis/access_token" {
            guard request.method == .POST else { return .error(405, "use POST") }
            return fence.accessToken(request)
        }
        if request.path == "/user/data/download/bulk", request.method == .POST {
            guard state.configuration.fenceDownloadRoute else {
                state.recorder.update { $0.requests[.bulkDownload, default: 0] += 1 }
                return noRoute(request)
            }
            guard state.configuration.bulkPresignedURLs else {
                // An older Fence: the one-file route, which takes only GET.
                state.recorder.update { $0.requests[.bulkDownload, default: 0] += 1 }
                return .error(405, "use GET")
            }
            return fence.bulkPresignedURLs(request)
        }
        if let guid = request.pathRemainder(after: "/user/data/download/") {
            guard state.configuration.fenceDownloadRoute else {
                state.recorder.update { $0.requests[.download, default: 0] += 1 }
                return noRoute(request)
            }
            guard request.method == .GET else { return .error(405, "use GET") }
            return fence.presignedURL(request, guid: guid)
        }
        if let rest = request.rawPathRemainder(after: "/ga4gh/drs/v1/objects/") {
            guard request.method == .GET else { return .drsError(405, "use GET") }
            // Split before decoding: an encoded did holds `%2F`, never the raw `/access/`.
            if let access = rest.range(of: "/access/", options: .backwards) {
                return fence.drsAccess(
                    request, did: HTTPRequest.decoded(rest[..<access.lowerBound]),
                    accessID: HTTPRequest.decoded(rest[access.upperBound...]))
            }
            return DRSObjects(state: state).object(request, did: HTTPRequest.decoded(rest))
        }
        if let prefix = request.pathRemainder(after: "/mds/aggregate/info/") {
            guard request.method == .GET else { return .error(405, "use GET") }
            return AggregateMetadata(state: state).info(request, prefix: prefix)
        }
        if request.path == "/_stats", request.method == .GET {
            return .json(200, state.recorder.snapshot.jsonObject)
        }
        if let did = request.pathRemainder(after: "/index/") {
            guard request.method == .GET else { return .error(405, "use GET") }
            return Indexd(state: state).record(request, did: did)
        }
        // indexd's alias route, `GET /{did}`, takes every other single-segment-or-more GET.
        if request.method == .GET, let did = request.pathRemainder(after: "/") {
            return Indexd(state: state).record(request, did: did)
        }
        return noRoute(request)
    }

    /// What a web server in front of a service without the route answers: its own page, not the
    /// service's JSON (a client tells a missing Fence route from Fence's refusal this way).
    private func noRoute(_ request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 404, contentType: "text/plain", body: Array("404 page not found\n".utf8))
    }
}
