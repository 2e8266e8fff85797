import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback stand-in for a Gen3 data commons: Fence (API key → access token, GUID → presigned
/// URL) and indexd on one listener, a storage host serving the presigned URLs on another, both
/// HTTP/1.1 with keep-alive, serving deterministic objects and misbehaving on demand.
///
/// ```swift
/// let commons = try TestCommons.start()
/// try commons.writeCredentials(to: dir + "/credentials.json")
/// try commons.writeManifest(to: dir + "/manifest.json")
/// commons.setFault(.resetAfter(bytes: 40_000), guid: commons.objects[0].guid)
/// // … run the client against commons.endpoint …
/// XCTAssertEqual(commons.stats.authorizationHeadersAtStorage, 0)
/// ```
///
/// Every method is thread-safe. The commons stops on ``stop()`` or when released.
public final class TestCommons: @unchecked Sendable {
    /// What it was started with.
    public let configuration: TestCommonsConfiguration
    let state: CommonsState
    private let group: MultiThreadedEventLoopGroup
    private let listeners = NIOLockedValueBox<[Channel]?>([])

    private init(configuration: TestCommonsConfiguration) {
        self.configuration = configuration
        state = CommonsState(configuration: configuration)
        // Two threads: one per listener's worth of work on the two-core machines this runs on.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    /// Generates the objects, then binds both listeners; returns once they accept connections.
    public static func start(_ configuration: TestCommonsConfiguration = .init()) throws -> TestCommons {
        try configuration.validate()
        let commons = TestCommons(configuration: configuration)
        do {
            let api = try commons.listen(
                host: configuration.host, port: configuration.port,
                responder: ControlPlane(state: commons.state))
            commons.listeners.withLockedValue { $0?.append(api) }
            let storage = try commons.listen(
                host: configuration.storageHost, port: configuration.storagePort,
                responder: StorageHost(state: commons.state))
            commons.listeners.withLockedValue { $0?.append(storage) }
            commons.state.listening(
                endpoint: Self.url(configuration.host, api), storageEndpoint: Self.url(configuration.storageHost, storage))
        } catch {
            commons.stop()
            throw error
        }
        return commons
    }

    deinit { stop() }

    private func listen(host: String, port: Int, responder: any HTTPResponder) throws -> Channel {
        let state = state
        return try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(responder: responder, state: state))
                }
            }
            .bind(host: host, port: port).wait()
    }

    private static func url(_ host: String, _ channel: Channel) -> String {
        let port = channel.localAddress?.port ?? 0
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Closes the listeners and the open connections and stops the event loops. Idempotent; also
    /// done when the commons is released.
    public func stop() {
        guard
            let channels = listeners.withLockedValue({ channels -> [Channel]? in
                defer { channels = nil }
                return channels
            })
        else { return }
        if MultiThreadedEventLoopGroup.currentEventLoop != nil {
            // On one of our own event loops: waiting there would deadlock, so let it wind down alone.
            for channel in channels { channel.close(promise: nil) }
            group.shutdownGracefully { _ in }
            return
        }
        for channel in channels { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }

    // MARK: - Addresses

    /// `http://host:port` of the control plane (Fence and indexd): what clients call the endpoint.
    public var endpoint: String { state.endpoint }

    /// `http://host:port` of the storage host presigned URLs point at.
    public var storageEndpoint: String { state.storageEndpoint }

    // MARK: - Objects

    /// Every object served: the generated ones, then those added with ``addObject(guid:fileName:content:)``.
    public var objects: [TestObject] { state.store.all }

    /// The object known by `guid`.
    public func object(guid: String) -> TestObject? { state.store.object(guid: guid) }

    /// The whole content of the object known by `guid` (generated on the spot for generated objects).
    public func content(of guid: String) -> [UInt8]? {
        state.store.object(guid: guid).map { state.store.content(of: $0) }
    }

    /// Serves `content` (held in memory) under `guid` and `fileName` from now on, e.g. an object
    /// with a hostile name like `../../escape`. A GUID already served is shadowed.
    @discardableResult
    public func addObject(guid: String, fileName: String, content: [UInt8]) -> TestObject {
        state.store.add(guid: guid, fileName: fileName, content: content)
    }

    /// A presigned URL for `guid` as Fence would hand out (expired already when `expired`), for
    /// tests that talk to the storage host directly; nil for an unknown GUID.
    public func presignedURL(for guid: String, expired: Bool = false) -> String? {
        state.store.object(guid: guid).map { state.presignedURL(for: $0, expired: expired) }
    }

    /// A valid access token, made without a request (not counted in ``CommonsStats/tokensIssued``).
    public func makeAccessToken() -> String { state.issueAccessToken() }

    // MARK: - Faults and stats

    /// Makes the commons misbehave: `fault` acts on the next `times` requests on its route that
    /// concern `guid` (any object when nil; token requests concern none, so give nil there).
    /// A fault for the request's GUID is used before a global one.
    public func setFault(_ fault: Fault, guid: String? = nil, times: FaultCount = .times(1)) {
        state.faults.add(fault, guid: guid, times: times)
    }

    /// Removes every fault not yet used up.
    public func clearFaults() { state.faults.clear() }

    /// What the commons has seen so far.
    public var stats: CommonsStats { state.recorder.snapshot }

    /// Blocks until `predicate` holds for the stats (checked on every change: a signal from the
    /// server, not a sleep); throws ``TestCommonsError/timedOut(_:)`` after `timeout` seconds so a
    /// broken test cannot hang.
    public func waitForStats(
        timeout: Double = 60, _ description: String = "the commons' stats",
        until predicate: (CommonsStats) -> Bool
    ) throws {
        guard state.recorder.wait(timeout: timeout, until: predicate) else { throw TestCommonsError.timedOut(description) }
    }

    /// Blocks until `route` has received `count` requests in all; see ``waitForStats(timeout:_:until:)``.
    public func waitForRequests(route: Route, count: Int, timeout: Double = 60) throws {
        try waitForStats(timeout: timeout, "\(count) \(route) requests") { ($0.requests[route] ?? 0) >= count }
    }

    /// Blocks until every client connection is closed: after a client is killed, nothing more it was
    /// sent can still be counted.
    public func waitForConnectionsClosed(timeout: Double = 60) throws {
        try waitForStats(timeout: timeout, "all connections closed") { $0.openConnections == 0 }
    }
}
