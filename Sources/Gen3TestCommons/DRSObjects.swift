import Foundation

/// indexd's GA4GH DRS route, `GET /ga4gh/drs/v1/objects/{did}`: an object's name, size, checksums
/// and access methods, without authentication, in the shape indexd 6.3 answers — no `did`, `urls`
/// or `hashes`; a 404 body is `{"msg": "...", "status_code": 404}`. The did is resolved as on
/// ``Indexd``'s routes (raw or encoded `/`, bare UUID; a trailing `/` is a 404).
struct DRSObjects: Sendable {
    let state: CommonsState

    func object(_ request: HTTPRequest, did: String) -> HTTPResponse {
        state.recorder.update { $0.requests[.drsObject, default: 0] += 1 }
        let object = state.store.object(did: did)
        switch state.takeFault(.drsObject, guid: object?.guid ?? did) {
        case .status(let status, _, let retryAfter)?: return .drsError(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .apiRedirect(let location, _)?: return .redirect(to: location)
        default: break
        }
        guard let object else { return .drsError(404, "no object found for \(did)") }
        let checksums: [[String: Any]] = [["type": "md5", "checksum": object.md5]]
        let accessMethods: [[String: Any]] = [
            [
                "type": "s3", "access_id": Fence.accessID, "access_url": ["url": state.bucketURL(of: object)],
                "region": "us-east-1",
            ]
        ]
        return .json(
            200,
            [
                "id": object.guid,
                "name": object.fileName,
                "size": object.size,
                "created_time": CommonsState.recordDate,
                "updated_time": CommonsState.recordDate,
                "version": String(object.md5.prefix(8)),
                "mime_type": "application/json",
                "form": "object",
                "checksums": checksums,
                "self_uri": state.selfURI(of: object),
                "access_methods": accessMethods,
                "aliases": [String](),
                "contents": [String](),
                "description": NSNull(),
            ])
    }
}
