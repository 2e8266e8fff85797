/// How a ``TestCommons`` starts: where it listens, what it serves, how long its tokens last.
public struct TestCommonsConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 0
    /// The storage host presigned URLs point at (another host than the API, as in real commons).
    public var storageHost = "127.0.0.1"
    public var storagePort = 0
    /// Generated objects: deterministic content from `seed` and their index.
    public var objectCount = 50
    public var seed: UInt64 = 1
    public var minSize = 1024
    public var maxSize = 256 * 1024
    /// Seconds an access token lasts.
    public var tokenLifetime = 3600
    /// Seconds a presigned URL lasts.
    public var presignedURLLifetime = 3600
    /// Signs API keys, tokens and presigned URLs.
    public var apiKeySecret = "test-secret"

    public init() {}
}
