extension Fence {
    /// The one access method every object has: S3, as Gen3 commons list it.
    static let accessID = "s3"

    /// `GET /ga4gh/drs/v1/objects/{did}/access/{access_id}` with `Authorization: Bearer <access token
    /// of this commons>` → `{"url": "<presigned URL>"}`, Fence's DRS route (which a commons has even
    /// without its `/user/data/download` routes). Errors are in the DRS shape: 401 without a valid
    /// token, 404 for an unknown object, 400 for an access id other than `s3`.
    ///
    /// ``Route/drsAccess`` faults act first; without one, the ``Route/download`` faults of the GUID act
    /// here as on Fence's other URL routes, so a fault set for a GUID acts wherever the client asks.
    func drsAccess(_ request: HTTPRequest, did: String, accessID: String) -> HTTPResponse {
        state.recorder.update { $0.requests[.drsAccess, default: 0] += 1 }
        if let refusal = bearerRefusal(request) { return .drsError(401, refusal) }
        let object = state.store.object(did: did)
        let key = object?.guid ?? did
        let fault = state.takeFault(.drsAccess, guid: key) ?? state.takeFault(.download, guid: key)
        switch fault {
        case .status(let status, _, let retryAfter)?:
            return .drsError(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .presignedURL(let url)?:
            return .json(200, ["url": url])
        case .echoAuthorization?:
            return .drsError(403, "access denied for Authorization: \(request.header("Authorization") ?? "")")
        case .apiRedirect(let location, _)?:
            return .redirect(to: location)
        default:
            break
        }
        guard let object else { return .drsError(404, "no object found for \(did)") }
        guard accessID == Self.accessID else {
            return .drsError(400, "access id \(accessID) is not an access method of \(object.guid); try \(Self.accessID)")
        }
        let answer = ["url": state.presignedURL(for: object, expired: fault == .expiredURL)]
        if case .paddedAnswer(let size)? = fault { return .padded(answer, to: size) }
        return .json(200, answer)
    }
}
