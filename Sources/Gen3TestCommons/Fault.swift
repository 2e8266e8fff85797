/// Which part of the commons a request reaches.
public enum Route: String, Sendable, CaseIterable, Hashable {
    /// `POST /user/credentials/cdis/access_token`
    case token
    /// `GET /user/data/download/{guid}` (Fence: presigned URLs)
    case download
    /// `GET /index/{guid}` (indexd)
    case index
    /// `GET /objects/{n}` on the storage host
    case storage
}

/// A misbehaviour the commons can be told to show, for one GUID or for all.
public enum Fault: Sendable, Equatable {
    /// Answer `status` (with an error body, and `Retry-After` when given) instead of the real answer.
    case status(Int, at: Route, retryAfter: Int? = nil)
    /// Storage: headers with the full Content-Length, `bytes` of body, then a TCP reset.
    case resetAfter(bytes: Int)
    /// Storage: headers with the full Content-Length, `bytes` of body, then a clean close.
    case shortBody(bytes: Int)
    /// Storage: the body at `bytesPerSecond`.
    case trickle(bytesPerSecond: Int)
    /// Storage: headers, then nothing until the client gives up.
    case stall
    /// Fence: a presigned URL that has already expired (storage answers 403 expired).
    case expiredURL
    /// Fence: this exact string as the presigned URL.
    case presignedURL(String)
    /// Storage: 302 to this location.
    case redirect(to: String)
    /// Storage: `n` bytes more than the object's size.
    case extraBytes(Int)
    /// Storage: 200 with the whole body even when a Range was asked.
    case ignoreRange
    /// Storage: one byte flipped, same length.
    case corrupt
    /// Fence: 403 whose body echoes the request's Authorization header (a careless server).
    case echoAuthorization

    /// The route the fault acts on.
    var route: Route {
        switch self {
        case .status(_, let route, _): return route
        case .expiredURL, .presignedURL, .echoAuthorization: return .download
        default: return .storage
        }
    }
}

/// How many times a fault fires.
public enum FaultCount: Sendable, Equatable {
    case times(Int)
    case always
}
