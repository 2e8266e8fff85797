/// Network settings shared by every request a worker makes.
public struct HTTPOptions: Sendable, Equatable, Codable {
    /// Seconds to wait for a connection.
    public var connectTimeout: Double = 30
    /// A transfer slower than `lowSpeedLimit` bytes/s for this many seconds is stalled and retried.
    public var stallSeconds: Int = 60
    public var lowSpeedLimit: Int = 1024
    /// Redirects a presigned URL may take (API calls follow none).
    public var maxRedirects: Int = 5
    /// TLS peer and host verification; off only with an explicit `--insecure`.
    public var verifyTLS = true
    public var userAgent = "gen3-swift/\(Gen3Version.current)"

    public init() {}
}

/// This build's version.
public enum Gen3Version {
    public static let current = "0.1.0"
}
