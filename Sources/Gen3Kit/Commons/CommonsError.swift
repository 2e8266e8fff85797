import Foundation

/// Problems with credentials or the commons that stop a job before any work (exit status 2).
public enum CommonsError: Error, LocalizedError, Equatable {
    /// No credentials file where we looked.
    case credentialsMissing(path: String)
    /// The file exists but cannot be read.
    case credentialsUnreadable(path: String, reason: String)
    /// The file is not the JSON a Gen3 portal gives out.
    case credentialsMalformed(path: String, reason: String)
    /// No `--endpoint` and the API key does not name its commons.
    case noEndpoint
    /// The endpoint is not an http(s) URL or host.
    case badEndpoint(String)
    /// The commons refused the API key.
    case apiKeyRejected(status: Int, detail: String)
    /// The commons could not be reached or answered nonsense while getting a token.
    case tokenUnavailable(reason: String)
    /// The token endpoint could not be reached: curl's error code and its message.
    case tokenEndpointUnreachable(url: String, curlCode: Int32, detail: String)
    /// The token endpoint answered an HTTP error other than 401/403: 408, 429 and 5xx may pass
    /// (`isTransient`), any other means the request itself is wrong.
    case tokenEndpointStatus(status: Int, url: String, retryAfter: Double?)

    /// What went wrong and what to do about it.
    public var errorDescription: String? {
        switch self {
        case .credentialsMissing(let path):
            return
                "no credentials file at \(path): download an API key (credentials.json) from the commons' profile page and pass it with --auth"
        case .credentialsUnreadable(let path, let reason):
            return "cannot read the credentials file \(path): \(reason)"
        case .credentialsMalformed(let path, let reason):
            return
                "\(path) is not a Gen3 credentials file (\(reason)): it should be the JSON {\"api_key\": \"…\", \"key_id\": \"…\"} from the commons' profile page"
        case .noEndpoint:
            return "no commons endpoint: pass --endpoint https://your-commons.org (the API key does not name its commons)"
        case .badEndpoint(let value):
            return "the endpoint \(value) is not a host name or an http(s) URL"
        case .apiKeyRejected(let status, let detail):
            return
                "the commons rejected the API key (HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)")): it may have expired or been revoked; create a new one on the commons' profile page"
        case .tokenUnavailable(let reason):
            return "could not get an access token from the commons: \(reason)"
        case .tokenEndpointUnreachable(let url, _, let detail):
            return "could not get an access token from the commons: \(url): \(detail)"
        case .tokenEndpointStatus(let status, let url, _):
            return "could not get an access token from the commons: HTTP \(status) from \(url)"
        }
    }

    /// Whether asking again later may succeed: the commons was unreachable, busy or failing, not
    /// refusing the key or the request.
    public var isTransient: Bool {
        switch self {
        case .tokenUnavailable, .tokenEndpointUnreachable: return true
        case .tokenEndpointStatus(let status, _, _): return status == 408 || status == 429 || (500...599).contains(status)
        default: return false
        }
    }

    /// Whether a run that is starting should wait and ask again: the commons is busy or failing
    /// (408, 429, 5xx) or a connection was reset or timed out. A commons that cannot be resolved
    /// or connected to at all is more likely a wrong endpoint, said at once.
    public var isWorthWaitingFor: Bool {
        switch self {
        // libcurl: 18 partial file, 28 timed out, 52 got nothing, 55 send error, 56 receive error.
        case .tokenEndpointUnreachable(_, let code, _): return [18, 28, 52, 55, 56].contains(code)
        case .tokenEndpointStatus: return isTransient
        default: return false
        }
    }

    /// The wait the commons asked for (`Retry-After`), when it did.
    public var retryAfter: Double? {
        if case .tokenEndpointStatus(_, _, let retryAfter) = self { return retryAfter }
        return nil
    }
}
