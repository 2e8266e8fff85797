import Foundation

/// indexd's record routes, `GET /index/{did}` and its alias `GET /{did}`: what a GUID names, without
/// authentication, in the flat shape indexd 6.3 answers.
///
/// The did may arrive with its `/` raw or percent-encoded (`%2F`, `%2f`), or as a bare UUID, which
/// resolves under this commons' prefix; the answer's `did` is always the full prefixed one. A
/// trailing `/` names nothing (404), and a 404 body is `{"error": "..."}`.
struct Indexd: Sendable {
    let state: CommonsState

    /// Answers the record of `did` (already percent-decoded).
    func record(_ request: HTTPRequest, did: String) -> HTTPResponse {
        state.recorder.update { $0.requests[.index, default: 0] += 1 }
        let object = state.store.object(did: did)
        switch state.takeFault(.index, guid: object?.guid ?? did) {
        case .status(let status, _, let retryAfter)?: return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .apiRedirect(let location, _)?: return .redirect(to: location)
        default: break
        }
        guard let object else { return .error(404, "no record found") }
        return .json(200, Self.record(of: object, state: state))
    }

    /// The record of `object` as indexd answers it (also what the DRS resolver answers).
    static func record(of object: TestObject, state: CommonsState) -> [String: Any] {
        let url = state.bucketURL(of: object)
        return [
            "did": object.guid,
            "baseid": object.uuid,
            "rev": String(object.md5.prefix(8)),
            "form": "object",
            "file_name": object.fileName,
            "size": object.size,
            "hashes": ["md5": object.md5],
            "urls": [url],
            "urls_metadata": [url: [String: Any]()],
            "acl": ["*"],
            "authz": ["/open"],
            "metadata": [String: Any](),
            "created_date": CommonsState.recordDate,
            "updated_date": CommonsState.recordDate,
            "content_created_date": NSNull(),
            "content_updated_date": NSNull(),
            "description": NSNull(),
            "uploader": NSNull(),
            "version": NSNull(),
        ]
    }
}
