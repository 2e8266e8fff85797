/// A misbehaviour the commons shows on demand, for one GUID or for all (see
/// ``TestCommons/setFault(_:guid:times:)``). Each acts on one ``Route``, given by ``route``.
public enum Fault: Sendable, Hashable {
    /// Answer `status` instead of the real answer, with a JSON error body (an S3-style XML one on
    /// storage) and a `Retry-After: <seconds>` header when `retryAfter` is given.
    case status(Int, at: Route, retryAfter: Int? = nil)
    /// Storage: headers with the full Content-Length, `bytes` of body, then a TCP reset (RST): once
    /// the last bytes are written, the socket gets `SO_LINGER` on with a zero timeout and is closed,
    /// which makes the kernel abort the connection instead of closing it with a FIN.
    case resetAfter(bytes: Int)
    /// Storage: headers with the full Content-Length, `bytes` of body, then a clean close (FIN).
    case shortBody(bytes: Int)
    /// Storage: the body at about `bytesPerSecond`, written by timers on the event loop.
    case trickle(bytesPerSecond: Int)
    /// Storage: headers, then nothing until the client goes away.
    case stall
    /// Fence (its download, bulk and DRS access routes): a presigned URL whose expiry has already
    /// passed (storage then answers 403).
    case expiredURL
    /// Fence: this exact string as the presigned URL, e.g. `file:///etc/passwd`.
    case presignedURL(String)
    /// Fence: `403` with a JSON error that echoes the request's `Authorization` header, token and
    /// all, as a careless server might; a client must keep the token out of what it records.
    case echoAuthorization
    /// Fence: the real answer (a presigned URL, or the bulk route's list when any of its GUIDs has
    /// this fault) as valid JSON padded with a `padding` member to exactly `toBytes` bytes, for a
    /// client that caps the answers it reads.
    case paddedAnswer(toBytes: Int)
    /// Any route but storage's (e.g. ``Route/token``, ``Route/download`` (which includes the bulk
    /// route, when any of its GUIDs has this fault, and the DRS access route), ``Route/index``,
    /// ``Route/drsObject``, ``Route/drsAccess``): `302 Found` to this location instead of the
    /// answer, for a client that must follow no redirect with its token.
    case apiRedirect(to: String, at: Route)
    /// Storage: `302 Found` to this location.
    case redirect(to: String)
    /// Storage: `n` bytes (zeros) more than asked for, with a Content-Length that counts them.
    case extraBytes(Int)
    /// Storage: an HTTP/1.0 answer without Content-Length whose body ends when the connection closes
    /// (FIN) after `bytes` bytes: the object's from the range asked for, then zeros past its end, so
    /// fewer, as many or more than the object has.
    case closeDelimited(bytes: Int)
    /// Storage: `200` with the whole body even when a Range was asked for.
    case ignoreRange
    /// Storage: one byte of the body flipped, same length, so the md5 no longer matches.
    case corrupt

    /// The route the fault acts on.
    public var route: Route {
        switch self {
        case .status(_, let route, _), .apiRedirect(_, let route): return route
        case .expiredURL, .presignedURL, .echoAuthorization, .paddedAnswer: return .download
        case .resetAfter, .shortBody, .trickle, .stall, .redirect, .extraBytes, .ignoreRange, .corrupt, .closeDelimited:
            return .storage
        }
    }
}
