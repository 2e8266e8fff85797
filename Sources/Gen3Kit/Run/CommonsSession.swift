/// One commons a worker talks to: its requests, its access token, its bulk-route state and its own
/// Retry-After pause. A commons that is down or rate-limits holds back only its own files.
final class CommonsSession {
    /// The commons' base URL: the job's endpoint, or the origin a file's commons was decided to be.
    let endpoint: String
    let requests: CommonsRequests
    /// Its token; nil when the files of this commons cannot be fetched (`refusal` says why).
    let tokens: AccessTokenProvider?
    /// Whether it is the job's own commons, whose credentials were checked before the run began.
    let isPrimary: Bool
    /// No credentials were found for it: its files are asked of the job's endpoint instead (which
    /// may be the same commons by another name, e.g. through a proxy), never with another's token.
    var lacksCredentials = false
    /// Why none of this commons' files can be fetched (no credentials, a refused key, plain http):
    /// each fails with it, without a request.
    var refusal: String?
    /// No request to the commons starts before this (a 429 or 503 with Retry-After).
    var pauseUntil: Double = 0
    /// Presigned URLs are asked for in bulk (`PresignAhead`) until the commons refuses that route.
    var bulkEnabled: Bool
    /// The commons answered Fence's download route as a server without it does: URLs come from the
    /// DRS access route instead.
    var withoutFenceDownload = false
    /// Bulk requests that failed in a row (`PresignAhead.failuresToGiveUp`).
    var bulkFailuresInARow = 0

    init(
        endpoint: String, requests: CommonsRequests, tokens: AccessTokenProvider?, isPrimary: Bool, bulkEnabled: Bool,
        refusal: String? = nil
    ) {
        self.endpoint = endpoint
        self.requests = requests
        self.tokens = tokens
        self.isPrimary = isPrimary
        self.bulkEnabled = bulkEnabled
        self.refusal = refusal
    }

    func isPaused(now: Double) -> Bool { now < pauseUntil }
}
