/// Network settings shared by every request a worker makes.
public struct HTTPOptions: Sendable, Equatable, Codable {
    /// Seconds to wait for a connection.
    public var connectTimeout: Double = 30
    /// A transfer slower than `lowSpeedLimit` bytes/s for this many seconds is stalled and retried.
    public var stallSeconds: Int = 60
    /// Bytes per second below which a transfer counts as slow (see `stallSeconds`).
    public var lowSpeedLimit: Int = 1024
    /// Redirects a presigned URL may take (API calls follow none).
    public var maxRedirects: Int = 5
    /// TLS peer and host verification; off only with an explicit `--insecure`.
    public var verifyTLS = true
    /// The User-Agent header of every request.
    public var userAgent = "gen3-swift/\(Gen3Version.current)"

    /// The defaults `gen3 run --help` shows.
    public init() {}
}

/// This build's version.
public enum Gen3Version {
    /// The version `gen3 --version` prints.
    public static let current = "0.1.0"
}
