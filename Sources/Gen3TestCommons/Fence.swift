import Foundation

/// Fence's routes: API key → access token, GUID → presigned URL, and GUIDs → presigned URLs (the
/// DRS access route is in `Fence+DRSAccess.swift`). A GUID may be a bare UUID, resolved as indexd
/// resolves it; faults are looked up under the full GUID.
struct Fence: Sendable {
    let state: CommonsState

    /// `POST /user/credentials/cdis/access_token` with a credentials body `{"api_key", "key_id"}`.
    func accessToken(_ request: HTTPRequest) -> HTTPResponse {
        state.recorder.update { $0.requests[.token, default: 0] += 1 }
        switch state.takeFault(.token, guid: nil) {
        case .status(let status, _, let retryAfter)?: return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .apiRedirect(let location, _)?: return .redirect(to: location)
        default: break
        }
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let key = body["api_key"] as? String
        else {
            return .error(400, "expected a JSON body with an api_key")
        }
        guard key == state.acceptedAPIKey else { return .error(401, "invalid api key") }
        let token = state.issueAccessToken()
        state.recorder.update {
            $0.tokensIssued += 1
            $0.accessTokens.append(token)
        }
        return .json(200, ["access_token": token])
    }

    /// `GET /user/data/download/{guid}[?protocol=…]` with `Authorization: Bearer <access token>`.
    func presignedURL(_ request: HTTPRequest, guid: String) -> HTTPResponse {
        state.recorder.update {
            $0.requests[.download, default: 0] += 1
            if let query = request.query { $0.downloadQueries.append(query) }
        }
        if let refusal = bearerRefusal(request) { return .error(401, refusal) }
        let authorization = request.header("Authorization") ?? ""
        let object = state.store.object(did: guid)
        let fault = state.takeFault(.download, guid: object?.guid ?? guid)
        switch fault {
        case .status(let status, _, let retryAfter)?:
            return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .presignedURL(let url)?:
            return .json(200, ["url": url])
        case .echoAuthorization?:
            return .error(403, "access denied for Authorization: \(authorization)")
        case .apiRedirect(let location, _)?:
            return .redirect(to: location)
        default:
            break
        }
        guard let object else { return .error(404, "no such object: \(guid)") }
        let answer = ["url": state.presignedURL(for: object, expired: fault == .expiredURL)]
        if case .paddedAnswer(let size)? = fault { return .padded(answer, to: size) }
        return .json(200, answer)
    }

    /// `POST /user/data/download/bulk` with `{"guids": […]}`, answered as Fence does:
    /// `{"urls": [{"drs_object_id", "url"}], "failed_guids": [{"error_code", "object_ids"}]}`.
    ///
    /// A GUID with a ``Route/download`` status fault pending is listed as failed with that status
    /// and its fault is left for the client's one-GUID request, so a fault set for a GUID acts
    /// wherever the client asks. URL faults (`.presignedURL`, `.expiredURL`) act here as well, a
    /// `.paddedAnswer` pads the whole answer, and an `.apiRedirect` redirects it.
    func bulkPresignedURLs(_ request: HTTPRequest) -> HTTPResponse {
        state.recorder.update {
            $0.requests[.bulkDownload, default: 0] += 1
            if let query = request.query { $0.downloadQueries.append(query) }
        }
        if let refusal = bearerRefusal(request) { return .error(401, refusal) }
        if case .status(let status, _, let retryAfter)? = state.takeFault(.bulkDownload, guid: nil) {
            return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        }
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let guids = body["guids"] as? [String]
        else {
            return .error(400, "missing required argument `guids`")
        }
        var urls: [[String: Any]] = []
        var failed: [Int: [String]] = [:]
        var paddedSize: Int?
        for guid in guids {
            var url: String?
            var expired = false
            let object = state.store.object(did: guid)
            let key = object?.guid ?? guid
            switch state.peekFault(.download, guid: key) {
            case .presignedURL(let hostile)?:
                _ = state.takeFault(.download, guid: key)
                url = hostile
            case .expiredURL?:
                _ = state.takeFault(.download, guid: key)
                expired = true
            case .paddedAnswer(let size)?:
                _ = state.takeFault(.download, guid: key)
                paddedSize = max(paddedSize ?? 0, size)
            case .apiRedirect(let location, _)?:
                _ = state.takeFault(.download, guid: key)
                return .redirect(to: location)
            case .status(let status, _, _)?:
                failed[status, default: []].append(guid)
                continue
            case .some:
                failed[500, default: []].append(guid)
                continue
            case nil:
                break
            }
            if url == nil {
                guard let object else {
                    failed[404, default: []].append(guid)
                    continue
                }
                url = state.presignedURL(for: object, expired: expired)
            }
            urls.append(["drs_object_id": guid, "url": url ?? ""])
        }
        let failures = failed.keys.sorted().map { ["error_code": $0, "object_ids": failed[$0] ?? []] as [String: Any] }
        let answer: [String: Any] = ["urls": urls, "failed_guids": failures]
        if let paddedSize { return .padded(answer, to: paddedSize) }
        return .json(200, answer)
    }

    /// Why Fence answers 401 to a request without a valid access token of this commons, or nil.
    func bearerRefusal(_ request: HTTPRequest) -> String? {
        let authorization = request.header("Authorization") ?? ""
        guard authorization.lowercased().hasPrefix("bearer ") else { return "missing Authorization: Bearer <access token>" }
        guard state.isValidAccessToken(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            return "access token is invalid or expired"
        }
        return nil
    }
}
