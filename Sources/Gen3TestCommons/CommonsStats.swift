/// What a commons has seen since it started, as a snapshot (``TestCommons/stats``).
public struct CommonsStats: Sendable, Equatable {
    /// Access tokens Fence issued over HTTP.
    public var tokensIssued = 0
    /// Access tokens of this commons a federation's Workspace Token Service handed out
    /// (`GET /wts/token/?idp=…`).
    public var wtsTokensIssued = 0
    /// Each token issued over HTTP, by Fence or the WTS, in the order issued: secrets a test can
    /// look for in what a client wrote.
    public var accessTokens: [String] = []
    /// Requests received, per route (including refused ones).
    public var requests: [Route: Int] = [:]
    /// Body bytes the storage host wrote to the socket, per GUID (counted when each write completes,
    /// so bytes of a cut-short body count only as far as they went out).
    public var bytesServed: [String: Int] = [:]
    /// Requests to the storage host that carried an `Authorization` header (a client leaking its
    /// Fence token to storage; should stay 0).
    public var authorizationHeadersAtStorage = 0
    /// `Authorization` headers received, per listener (its `http://host:port`: the control plane
    /// or the storage host) and, within it, per issuer of the bearer token they carried (the JWT's
    /// `iss`, read without checking the signature: `<endpoint>/user` for this commons' tokens, ""
    /// for a header without a JWT). A token reaching a host it was not issued for shows up here.
    public var authorizations: [String: [String: Int]] = [:]
    /// Storage requests with a `Range` header.
    public var rangeRequests = 0
    /// The first byte each ranged storage request asked for (`a` of `bytes=a-`), per GUID, in the
    /// order they arrived: a client continuing a part file asks from the part file's size.
    public var rangeStarts: [String: [Int]] = [:]
    /// Faults that acted on a request.
    public var faultsFired = 0
    /// Query strings Fence's download route received, in order (e.g. `protocol=s3`).
    public var downloadQueries: [String] = []
    /// Connections either listener has accepted since the commons started.
    public var connectionsAccepted = 0
    /// Connections to either listener that are open now. Counted down once the commons has seen the
    /// close, after everything it wrote on them is counted: 0 means no client can still receive.
    public var openConnections = 0

    /// With ``TestCommonsConfiguration/holdTokensUntilMetadataAsked``: whether the held token
    /// answers went out because the aggregate metadata service was asked (1), or because the time
    /// ran out (1 in the other).
    public var tokensReleasedByMetadata = 0
    public var tokensReleasedByTimeout = 0

    /// Body bytes the storage host wrote, all objects together.
    public var totalBytesServed: Int { bytesServed.values.reduce(0, +) }

    /// `Authorization` headers the listener at `endpoint` (`http://host:port`) received, whatever they carried.
    public func authorizationHeaders(at endpoint: String) -> Int { (authorizations[endpoint] ?? [:]).values.reduce(0, +) }

    /// The snapshot as `GET /_stats` answers it.
    var jsonObject: [String: Any] {
        [
            "tokens_issued": tokensIssued,
            "wts_tokens_issued": wtsTokensIssued,
            "requests": Dictionary(uniqueKeysWithValues: Route.allCases.map { ($0.rawValue, requests[$0] ?? 0) }),
            "bytes_served": bytesServed,
            "total_bytes_served": totalBytesServed,
            "authorization_headers_at_storage": authorizationHeadersAtStorage,
            "authorizations": authorizations,
            "range_requests": rangeRequests,
            "range_starts": rangeStarts,
            "faults_fired": faultsFired,
            "download_queries": downloadQueries,
            "connections_accepted": connectionsAccepted,
            "open_connections": openConnections,
            "tokens_released_by_metadata": tokensReleasedByMetadata,
            "tokens_released_by_timeout": tokensReleasedByTimeout,
        ]
    }
}
