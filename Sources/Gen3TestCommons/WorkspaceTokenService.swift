import NIOConcurrencyHelpers

/// A stand-in for a Gen3 Workspace Token Service on a listener of its own, with an identity
/// provider per commons; it asks for no authentication, as a workspace's pod need not show any.
///
/// - `GET /wts/external_oidc/` (with or without the final `/`): `{"providers": [{"base_url":
///   "<commons endpoint>", "idp": "commons<n>", "name": "Test Commons <n> Login", "urls": [{"name":
///   …, "url": "<wts>/wts/oauth2/authorization_url?idp=commons<n>"}], "refresh_token_expiration":
///   "29 days"}]}`, one per commons in order, hub first.
/// - `GET /wts/token/?idp=commons<n>` (with or without the `/`): `{"token": "<access token>"}`, a
///   fresh access token of that commons lasting its `tokenLifetime`, counted in its
///   ``CommonsStats/wtsTokensIssued``; `idp=default` or no idp gives the hub's; another idp is a
///   400 `{"error": …}`. The real service's `expires` parameter is ignored.
/// - `GET /_stats`: the federation's service counters (``TestFederation/serviceStats``).
struct WorkspaceTokenService: HTTPResponder {
    let federation: FederationState
    /// `http://host:port` of this listener, for the authorization URLs it lists (known once it listens).
    private let endpoint = NIOLockedValueBox("")

    init(federation: FederationState) { self.federation = federation }

    /// Records where the listener ended up.
    func listening(on endpoint: String) { self.endpoint.withLockedValue { $0 = endpoint } }

    func reply(to request: HTTPRequest) -> Reply { .response(response(to: request)) }

    private func response(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET else { return .error(405, "use GET") }
        switch request.path {
        case "/wts/external_oidc", "/wts/external_oidc/": return providers()
        case "/wts/token", "/wts/token/": return token(idp: request.parameters["idp"])
        case "/_stats": return .json(200, federation.recorder.snapshot.jsonObject)
        default: return .error(404, "no route for \(request.method) \(request.path)")
        }
    }

    private func providers() -> HTTPResponse {
        federation.recorder.update { $0.requests[.wtsProviders, default: 0] += 1 }
        if let refusal = federation.injectedResponse(.wtsProviders, guid: nil) { return refusal }
        let endpoint = endpoint.withLockedValue { $0 }
        let providers: [[String: Any]] = federation.members.map { member in
            let login = member.name + " Login"
            return [
                "base_url": member.state.endpoint, "idp": member.idp, "name": login,
                "urls": [["name": login, "url": endpoint + "/wts/oauth2/authorization_url?idp=" + member.idp]],
                "refresh_token_expiration": "29 days",
            ]
        }
        return .json(200, ["providers": providers])
    }

    private func token(idp: String?) -> HTTPResponse {
        federation.recorder.update { $0.requests[.wtsToken, default: 0] += 1 }
        if let refusal = federation.injectedResponse(.wtsToken, guid: nil) { return refusal }
        let wanted = idp ?? "default"
        guard let member = wanted == "default" ? federation.members.first : federation.members.first(where: { $0.idp == wanted })
        else { return .error(400, "no identity provider \(wanted) is configured") }
        let token = member.state.issueAccessToken()
        member.state.recorder.update {
            $0.wtsTokensIssued += 1
            $0.accessTokens.append(token)
        }
        return .json(200, ["token": token])
    }
}
