/// indexd's record route: what a GUID names, without authentication.
struct Indexd: Sendable {
    let state: CommonsState

    /// `GET /index/{guid}`.
    func record(_ request: HTTPRequest, guid: String) -> HTTPResponse {
        state.recorder.update { $0.requests[.index, default: 0] += 1 }
        switch state.takeFault(.index, guid: guid) {
        case .status(let status, _, let retryAfter)?: return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .apiRedirect(let location, _)?: return .redirect(to: location)
        default: break
        }
        guard let object = state.store.object(guid: guid) else { return .error(404, "no record found for \(guid)") }
        return .json(
            200,
            [
                "did": object.guid,
                "baseid": object.guid,
                "rev": String(object.md5.prefix(8)),
                "form": "object",
                "file_name": object.fileName,
                "size": object.size,
                "hashes": ["md5": object.md5],
                "urls": ["s3://gen3-test-bucket/\(object.index)/\(object.fileName)"],
                "acl": ["*"],
                "authz": ["/open"],
            ])
    }
}
