/// The control-plane listener: routes requests to ``Fence``, ``Indexd`` and `GET /_stats`.
struct ControlPlane: HTTPResponder {
    let state: CommonsState

    func reply(to request: HTTPRequest) -> Reply {
        let fence = Fence(state: state)
        if request.path == "/user/credentials/cdis/access_token" {
            guard request.method == .POST else { return .response(.error(405, "use POST")) }
            return .response(fence.accessToken(request))
        }
        if request.path == "/user/data/download/bulk", request.method == .POST {
            guard state.configuration.bulkPresignedURLs else {
                // An older Fence: the one-file route, which takes only GET.
                state.recorder.update { $0.requests[.bulkDownload, default: 0] += 1 }
                return .response(.error(405, "use GET"))
            }
            return .response(fence.bulkPresignedURLs(request))
        }
        if let guid = request.pathRemainder(after: "/user/data/download/") {
            guard request.method == .GET else { return .response(.error(405, "use GET")) }
            return .response(fence.presignedURL(request, guid: guid))
        }
        if let guid = request.pathRemainder(after: "/index/") {
            guard request.method == .GET else { return .response(.error(405, "use GET")) }
            return .response(Indexd(state: state).record(request, guid: guid))
        }
        if request.path == "/_stats", request.method == .GET {
            return .response(.json(200, state.recorder.snapshot.jsonObject))
        }
        return .response(.error(404, "no route for \(request.method) \(request.path)"))
    }
}
