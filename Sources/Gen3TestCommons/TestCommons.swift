import Foundation

/// A loopback stand-in for a Gen3 data commons: Fence (API key → access token, GUID → presigned
/// URL, also through the GA4GH DRS access route), indexd (records and DRS objects) and an aggregate
/// MDS lookup on one listener, a storage host serving the presigned URLs on another, both HTTP/1.1
/// with keep-alive, serving deterministic objects and misbehaving on demand. ``TestFederation``
/// runs several side by side.
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
public final class TestCommons: Sendable {
    /// What it was started with.
    public let configuration: TestCommonsConfiguration
    let state: CommonsState
    private let listeners: ListenerGroup

    private init(configuration: TestCommonsConfiguration) {
        self.configuration = configuration
        state = CommonsState(configuration: configuration)
        // Two threads: one per listener's worth of work on the two-core machines this runs on.
        listeners = ListenerGroup(threads: 2)
    }

    /// Generates the objects, then binds both listeners; returns once they accept connections.
    public static func start(_ configuration: TestCommonsConfiguration = .init()) throws -> TestCommons {
        try configuration.validate()
        let commons = TestCommons(configuration: configuration)
        do {
            let endpoint = try commons.listeners.listen(
                host: configuration.host, port: configuration.port,
                responder: ControlPlane(state: commons.state), recorder: commons.state.recorder)
            let storageEndpoint = try commons.listeners.listen(
                host: configuration.storageHost, port: configuration.storagePort,
                responder: StorageHost(state: commons.state), recorder: commons.state.recorder)
            commons.state.listening(endpoint: endpoint, storageEndpoint: storageEndpoint)
            // A commons' aggregate MDS knows its own prefix; a federation's hub is told the others.
            commons.setAggregateHosts([configuration.guidPrefix: commons.authority])
        } catch {
            commons.stop()
            throw error
        }
        return commons
    }

    deinit { stop() }

    /// Closes the listeners and the open connections and stops the event loops. Idempotent; also
    /// done when the commons is released.
    public func stop() { listeners.stop() }

    // MARK: - Addresses

    /// `http://host:port` of the control plane (Fence and indexd): what clients call the endpoint.
    public var endpoint: String { state.endpoint }

    /// `http://host:port` of the storage host presigned URLs point at.
    public var storageEndpoint: String { state.storageEndpoint }

    /// `host:port` of the control plane, without the scheme: the host this commons is named by in a
    /// `drs://host:port/<did>` URI, a manifest's `commons_url`, the aggregate MDS's answers and a
    /// federation's credentials file names (a real commons is named by its bare host name).
    public var authority: String { state.authority }

    // MARK: - Aggregate metadata

    /// What `GET /mds/aggregate/info/{prefix}` answers: `{"host": hosts[prefix]}`, 404 for a prefix
    /// not in `hosts`. Empty until set.
    public var aggregateHosts: [String: String] { state.aggregateHosts }

    /// Replaces ``aggregateHosts``, e.g. with `["dg.TEST2": other.authority]`.
    public func setAggregateHosts(_ hosts: [String: String]) { state.aggregateHosts = hosts }

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
