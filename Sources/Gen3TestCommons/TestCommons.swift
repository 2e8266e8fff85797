import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback stand-in for a Gen3 data commons: Fence (tokens, presigned URLs), indexd and a
/// storage host on a second listener, serving deterministic objects, with faults on demand.
public final class TestCommons: @unchecked Sendable {
    let configuration: TestCommonsConfiguration
    let store: ObjectStore
    let faults = FaultPlan()
    let recorder = StatsRecorder()
    private let group: MultiThreadedEventLoopGroup
    private var channels: [Channel] = []
    private var stopped = false
    /// `http://host:port` of the API.
    public private(set) var endpoint = ""
    /// `http://host:port` of the storage host.
    public private(set) var storageBase = ""

    private init(configuration: TestCommonsConfiguration) {
        self.configuration = configuration
        store = ObjectStore(configuration: configuration)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    /// Starts both listeners; returns once they accept connections.
    public static func start(_ configuration: TestCommonsConfiguration = .init()) throws -> TestCommons {
        let commons = TestCommons(configuration: configuration)
        do {
            let api = try commons.listen(host: configuration.host, port: configuration.port) { RequestHandler(commons: commons, storage: false) }
            let storage = try commons.listen(host: configuration.storageHost, port: configuration.storagePort) {
                RequestHandler(commons: commons, storage: true)
            }
            commons.channels = [api, storage]
            commons.endpoint = "http://\(configuration.host):\(api.localAddress?.port ?? 0)"
            commons.storageBase = "http://\(configuration.storageHost):\(storage.localAddress?.port ?? 0)"
        } catch {
            commons.stop()
            throw error
        }
        return commons
    }

    deinit { stop() }

    private func listen(host: String, port: Int, handler: @escaping () -> RequestHandler) throws -> Channel {
        try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(handler())
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port).wait()
    }

    /// Closes the listeners and stops the event loops. Idempotent.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        for channel in channels { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }

    // MARK: - Objects

    public var objects: [TestObject] { store.all }

    /// An object's whole content.
    public func content(of guid: String) -> [UInt8]? {
        store.object(guid: guid).map { store.bytes($0, offset: 0, count: $0.size) }
    }

    /// Serves `content` under `guid` (e.g. with a hostile file name).
    @discardableResult
    public func addObject(guid: String, fileName: String, content: [UInt8]) -> TestObject {
        store.add(guid: guid, fileName: fileName, content: content)
    }

    // MARK: - Faults and stats

    public func setFault(_ fault: Fault, guid: String? = nil, times: FaultCount = .times(1)) {
        faults.add(fault, guid: guid, times: times)
    }

    public func clearFaults() { faults.clear() }

    public var stats: CommonsStats { recorder.snapshot }

    /// Blocks until `route` has received `count` requests in all (a signal from the server, not a
    /// sleep); fails after `timeout` seconds so a broken test cannot hang.
    public func waitForRequests(route: Route, count: Int, timeout: Double = 60) throws {
        guard recorder.wait(timeout: timeout, until: { ($0.requests[route] ?? 0) >= count }) else {
            throw TestCommonsError.timedOut("\(count) \(route) requests")
        }
    }

    // MARK: - Credentials and manifests

    /// A credentials.json body: an API key whose `iss` names this commons. An invalid one is refused.
    public func credentialsJSON(apiKeyValid: Bool = true) -> String {
        let key = TestJWT.make(["iss": endpoint + "/user", "aud": ["fence"], "jti": apiKeyValid ? "valid-key" : "revoked-key",
                                "exp": 4_102_444_800, "purpose": "api_key"], secret: configuration.apiKeySecret)
        return "{\"api_key\": \"\(key)\", \"key_id\": \"test-key\"}"
    }

    public func writeCredentials(to path: String, apiKeyValid: Bool = true) throws {
        try credentialsJSON(apiKeyValid: apiKeyValid).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Writes a manifest of the objects (or of `guids`, in that order, unknown ones included).
    public func writeManifest(to path: String, format: ManifestFileFormat = .json, includeMetadata: Bool = true,
                              guids: [String]? = nil) throws {
        let rows: [(guid: String, object: TestObject?)] = guids.map { $0.map { ($0, store.object(guid: $0)) } }
            ?? objects.map { ($0.guid, $0) }
        try ManifestFileWriter.write(rows, to: path, format: format, includeMetadata: includeMetadata)
    }

    /// Verifies a credentials body; issues a token.
    func issueToken(for body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let key = object["api_key"] as? String,
              let claims = TestJWT.verify(key, secret: configuration.apiKeySecret),
              claims["jti"] as? String == "valid-key" else { return nil }
        let now = Int(Date().timeIntervalSince1970)
        recorder.update { $0.tokensIssued += 1 }
        return TestJWT.make(["iss": endpoint + "/user", "sub": "test-user", "iat": now, "exp": now + configuration.tokenLifetime,
                             "jti": UUID().uuidString, "scope": ["user", "data"]], secret: configuration.apiKeySecret)
    }

    /// Whether a bearer token is this commons' and still valid.
    func isValidToken(_ token: String) -> Bool {
        guard let claims = TestJWT.verify(token, secret: configuration.apiKeySecret), claims["scope"] != nil,
              let exp = claims["exp"] as? Int else { return false }
        return exp > Int(Date().timeIntervalSince1970)
    }

    /// A presigned URL for an object, signed with its expiry.
    func presignedURL(for object: TestObject, expired: Bool) -> String {
        let expires = Int(Date().timeIntervalSince1970) + (expired ? -60 : configuration.presignedURLLifetime)
        return "\(storageBase)/objects/\(object.index)?expires=\(expires)&sig=\(urlSignature(object.index, expires))"
    }

    func urlSignature(_ index: Int, _ expires: Int) -> String {
        TestJWT.signature("\(index):\(expires)", secret: configuration.apiKeySecret)
    }
}

/// Errors of the test commons itself.
public enum TestCommonsError: Error {
    case timedOut(String)
}
