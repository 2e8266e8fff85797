import Foundation

/// Fence's two routes: API key → access token, and GUID → presigned URL.
struct Fence: Sendable {
    let state: CommonsState

    /// `POST /user/credentials/cdis/access_token` with a credentials body `{"api_key", "key_id"}`.
    func accessToken(_ request: HTTPRequest) -> HTTPResponse {
        state.recorder.update { $0.requests[.token, default: 0] += 1 }
        if case .status(let status, _, let retryAfter)? = state.takeFault(.token, guid: nil) {
            return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        }
        guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
              let key = body["api_key"] as? String else {
            return .error(400, "expected a JSON body with an api_key")
        }
        guard key == state.acceptedAPIKey else { return .error(401, "invalid api key") }
        let token = state.issueAccessToken()
        state.recorder.update { $0.tokensIssued += 1 }
        return .json(200, ["access_token": token])
    }

    /// `GET /user/data/download/{guid}[?protocol=…]` with `Authorization: Bearer <access token>`.
    func presignedURL(_ request: HTTPRequest, guid: String) -> HTTPResponse {
        state.recorder.update {
            $0.requests[.download, default: 0] += 1
            if let query = request.query { $0.downloadQueries.append(query) }
        }
        let authorization = request.header("Authorization") ?? ""
        guard authorization.lowercased().hasPrefix("bearer ") else {
            return .error(401, "missing Authorization: Bearer <access token>")
        }
        guard state.isValidAccessToken(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
            return .error(401, "access token is invalid or expired")
        }
        let fault = state.takeFault(.download, guid: guid)
        switch fault {
        case .status(let status, _, let retryAfter)?:
            return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .presignedURL(let url)?:
            return .json(200, ["url": url])
        case .echoAuthorization?:
            return .error(403, "access denied for Authorization: \(authorization)")
        default:
            break
        }
        guard let object = state.store.object(guid: guid) else { return .error(404, "no such object: \(guid)") }
        return .json(200, ["url": state.presignedURL(for: object, expired: fault == .expiredURL)])
    }
}
