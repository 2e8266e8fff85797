/// How a ``TestCommons`` starts: where it listens, what it serves, how long its tokens last.
///
/// Every field has a default, so a test changes only what it cares about:
/// ```swift
/// var configuration = TestCommonsConfiguration()
/// configuration.objectCount = 5
/// configuration.tokenLifetime = 2
/// let commons = try TestCommons.start(configuration)
/// ```
public struct TestCommonsConfiguration: Sendable {
    /// Address of the control plane (Fence and indexd).
    public var host = "127.0.0.1"
    /// Port of the control plane; 0 picks a free one.
    public var port = 0
    /// Address of the storage host presigned URLs point at; another loopback address (127.0.0.2)
    /// makes them name a different host than the API, as in a real commons.
    public var storageHost = "127.0.0.1"
    /// Port of the storage host; 0 picks a free one.
    public var storagePort = 0
    /// `http://host:port` presigned URLs name instead of the storage listener's own address: a proxy
    /// in front of it (the benchmark's latency proxy), or nil for the listener itself.
    public var storageURLBase: String?
    /// How many objects to generate. Their md5s are computed at start by streaming their content,
    /// so a few hundred objects of a few MiB start in well under a second; gigabytes take longer.
    public var objectCount = 50
    /// Seed of the generated objects' GUIDs, sizes and content.
    public var seed: UInt64 = 1
    /// Smallest generated object, in bytes.
    public var minSize = 1024
    /// Largest generated object, in bytes.
    public var maxSize = 256 * 1024
    /// How many of the generated objects (the last ones) have no content at all.
    public var emptyObjectCount = 0
    /// Seconds an access token lasts.
    public var tokenLifetime: Int = 3600
    /// Seconds a presigned URL lasts.
    public var presignedURLLifetime: Int = 3600
    /// Whether Fence answers `POST /user/data/download/bulk` (Fence releases since mid-2026); when
    /// false it refuses it as older releases do (405), so clients fall back to one URL per request.
    public var bulkPresignedURLs = true
    /// Whether Fence's download routes (`GET /user/data/download/{guid}` and the bulk route) exist;
    /// when false both answer 404 as on a commons without them, so clients must get URLs through
    /// the DRS access route, `GET /ga4gh/drs/v1/objects/{id}/access/{access_id}`.
    public var fenceDownloadRoute = true
    /// Secret behind the accepted API key, the access tokens and the presigned URLs' signatures;
    /// commons with different secrets refuse each other's keys and tokens.
    public var apiKeySecret = "test-secret"
    /// The prefix of the generated GUIDs (`<prefix>/<uuid>`), which names the commons as a
    /// registered DRS prefix (`dg.4DFC`) does. Neither empty nor containing `/` or `:`.
    public var guidPrefix = "dg.TEST"

    /// When set, Fence holds its access-token answers until the aggregate metadata service is
    /// first asked, or this many seconds pass (``CommonsStats/tokensReleasedByMetadata`` and
    /// ``CommonsStats/tokensReleasedByTimeout`` say which).
    public var holdTokensUntilMetadataAsked: Double?

    /// The defaults: 50 objects of 1 KiB to 256 KiB on 127.0.0.1, ephemeral ports.
    public init() {}

    /// Throws when the fields contradict each other.
    func validate() throws {
        guard objectCount >= 0 else { throw TestCommonsError.invalidConfiguration("objectCount must not be negative") }
        guard minSize >= 0, minSize <= maxSize else {
            throw TestCommonsError.invalidConfiguration("need 0 <= minSize <= maxSize, got \(minSize)...\(maxSize)")
        }
        guard (0...objectCount).contains(emptyObjectCount) else {
            throw TestCommonsError.invalidConfiguration("emptyObjectCount must be within 0...objectCount")
        }
        guard !guidPrefix.isEmpty, !guidPrefix.contains("/"), !guidPrefix.contains(":") else {
            throw TestCommonsError.invalidConfiguration("guidPrefix must be non-empty, without '/' or ':', got \"\(guidPrefix)\"")
        }
        guard (0...65535).contains(port), (0...65535).contains(storagePort) else {
            throw TestCommonsError.invalidConfiguration("ports must be within 0...65535")
        }
    }
}
