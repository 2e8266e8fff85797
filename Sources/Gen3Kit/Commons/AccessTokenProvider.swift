import CCurl
import Foundation
import Logging

/// The access token of one commons, shared by all transfers of one process: fetched from Fence with
/// the API key (or from the Workspace Token Service), refreshed before it expires and after a 401.
/// Never logged, never stored.
package final class AccessTokenProvider {
    package let endpoint: String
    private let credentials: Credentials
    private let http: HTTPOptions
    /// The Workspace Token Service's base URL, for `.workspaceToken` credentials.
    private let wtsURL: String?
    private var token: String?
    private var expiry: Double = 0
    private var lifetime: Double = 0
    /// Where the credentials came from, for messages (never the secret).
    var credentialsOrigin: String { credentials.origin }
    /// Tokens fetched by this process (a test can count refreshes).
    package private(set) var fetches = 0
    /// How long the first token request waited for its answer once sent: a round trip to the
    /// commons and its own time (`JobRun` sizes a run's transfers by it); nil before a request.
    package private(set) var answerWait: Double?

    /// Where each token request is logged at debug level (`-vv`): its URL, status and time, never the token.
    let logger: Logger?
    /// The connections to this commons that its token requests, and the run's other requests to
    /// it, keep open for each other (`CurlShare`); nil if libcurl could not make one.
    package let connections: CurlShare?

    /// `connections`: a share the run's other requests to this commons use too; a new one if nil.
    package init(
        endpoint: String, credentials: Credentials, http: HTTPOptions = HTTPOptions(), wtsURL: String? = nil,
        connections: CurlShare? = nil, logger: Logger? = nil
    ) {
        self.logger = logger
        self.wtsURL = wtsURL
        self.endpoint = endpoint
        self.credentials = credentials
        self.http = http
        self.connections = connections ?? (try? CurlShare())
    }

    /// A token good for a while yet, fetching a new one when needed.
    package func current(now: Double = Clock.now()) throws -> String {
        if let token, now < expiry - min(300, lifetime / 4) { return token }
        return try refresh(now: now)
    }

    /// Forgets the token (after a 401), so the next `current` fetches a new one.
    package func invalidate() { token = nil }

    @discardableResult
    package func refresh(now: Double = Clock.now()) throws -> String {
        switch credentials.source {
        case .accessToken(let fixed):
            if token != nil, let exp = JWT.expiry(of: fixed), exp <= now {
                throw CommonsError.apiKeyRejected(status: 401, detail: "the access token expired; pass a new one or an API key file")
            }
            token = fixed
            expiry = JWT.expiry(of: fixed) ?? .greatestFiniteMagnitude
            lifetime = max(0, expiry - now)
            return fixed
        case .apiKey, .workspaceToken:
            let fresh = try fetch()
            token = fresh
            expiry = JWT.expiry(of: fresh) ?? now + 600
            lifetime = max(0, expiry - now)
            fetches += 1
            return fresh
        }
    }

    /// Where tokens come from: Fence's token route (a POST of the API key), or the Workspace
    /// Token Service's (a GET naming the identity provider).
    private var tokenURL: String {
        if case .workspaceToken(let idp) = credentials.source {
            return (wtsURL ?? endpoint + "/wts") + "/token/?idp=" + Endpoint.pathEncoded(idp)
        }
        return endpoint + "/user/credentials/cdis/access_token"
    }

    private func fetch() throws -> String {
        let easy = try CurlEasy()
        let receiver = MemoryReceiver()
        easy.receiver = receiver
        if let connections { try easy.use(connections) }
        try easy.apply(http, followRedirects: false)
        let url = tokenURL
        try easy.set(CCURLOPT_URL, string: url)
        try easy.setHeaders(["Content-Type: application/json", "Accept: application/json"])
        // A new handle makes a GET; the WTS takes one, Fence's route a POST of the key.
        if case .workspaceToken = credentials.source {} else { try easy.setPostBody(credentials.tokenRequestBody ?? "{}") }
        try easy.set(CCURLOPT_TIMEOUT_MS, 120_000)
        let started = Clock.monotonic()
        let log = { [logger, endpoint] (outcome: String) in
            logger?.debug("token request to \(endpoint) → \(outcome) in \(Int((Clock.monotonic() - started) * 1000)) ms")
        }
        do {
            try easy.perform()
            if answerWait == nil { answerWait = easy.firstByteWait }
            log("HTTP \(receiver.head.status)")
        } catch let error as CurlError {
            log("curl \(error.code)")
            throw CommonsError.tokenEndpointUnreachable(url: url, curlCode: error.code, detail: error.localizedDescription)
        }
        let status = receiver.head.status
        if status == 401 || status == 403 {
            throw CommonsError.apiKeyRejected(status: status, detail: receiver.bodySnippet(maxLength: 200))
        }
        guard (200..<300).contains(status) else {
            throw CommonsError.tokenEndpointStatus(status: status, url: url, retryAfter: receiver.head.retryAfter)
        }
        guard let answer = SmallJSON.decode(TokenAnswer.self, from: Data(receiver.body)), let token = answer.token, !token.isEmpty
        else {
            throw CommonsError.tokenUnavailable(reason: "the answer from \(url) had no token")
        }
        return token
    }
}

/// A token route's answer: Fence's `{"access_token"}` or the WTS's `{"token"}`.
private struct TokenAnswer: Decodable {
    var token: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case token
    }

    init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        token = members.lenient(String.self, .accessToken) ?? members.lenient(String.self, .token)
    }
}
