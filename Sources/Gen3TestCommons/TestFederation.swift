/// Several loopback commons at once, as a manifest spanning Gen3 commons meets them: each with its
/// own prefix (`dg.TEST1`, `dg.TEST2`, …), keys, objects and storage host; the first, the hub,
/// also serves the aggregate MDS; and, on listeners of their own, a DRS resolver standing in for
/// dataguids.org (``DRSResolver``) and a Workspace Token Service (``WorkspaceTokenService``).
///
/// ```swift
/// var configuration = TestFederationConfiguration()
/// configuration.commons.objectCount = 10
/// let federation = try TestFederation.start(configuration)
/// let credentials = try federation.writeCredentials(directory: dir)
/// try federation.writeMixedManifest(to: dir + "/manifest.json")
/// // … run the client with --endpoint federation.hub.endpoint
/// //   --drs-resolver federation.resolverEndpoint …
/// XCTAssertEqual(federation.misdirectedAuthorizations, 0)
/// ```
///
/// Every method is thread-safe. The federation stops on ``stop()`` or when released.
public final class TestFederation: Sendable {
    /// What it was started with.
    public let configuration: TestFederationConfiguration
    /// The commons, hub first; commons `n` (1-based) has the prefix `dg.TEST<n>`.
    public let commons: [TestCommons]
    /// The prefixes the hub's aggregate MDS answers for.
    public let aggregatePrefixes: Set<String>
    /// The prefixes the resolver's `_dist` hints at; the others are found only through its
    /// `GET /index/{guid}`.
    public let distHintedPrefixes: Set<String>
    /// `http://host:port` of the DRS resolver (`/index/_dist`, `/index/{guid}`).
    public let resolverEndpoint: String
    /// `http://host:port` of the Workspace Token Service (`/wts/external_oidc/`, `/wts/token/`).
    public let wtsEndpoint: String
    let state: FederationState
    private let services: ListenerGroup

    /// Starts the commons, then the resolver and the WTS; returns once all accept connections.
    /// `configure` adjusts commons `index` (0-based, the hub is 0) after the federation has set
    /// its prefix, seed and secret, e.g. to take Fence's download routes from one of them.
    public static func start(
        _ configuration: TestFederationConfiguration = .init(),
        configure: (_ index: Int, _ commons: inout TestCommonsConfiguration) -> Void = { _, _ in }
    ) throws -> TestFederation {
        try configuration.validate()
        var started: [TestCommons] = []
        do {
            for number in 1...configuration.commonsCount {
                var commons = configuration.commons
                commons.guidPrefix = TestFederationConfiguration.prefix(ofCommons: number)
                commons.seed = configuration.commons.seed &+ UInt64(number - 1)
                commons.apiKeySecret = "\(configuration.commons.apiKeySecret)-\(number)"
                if number > 1 { (commons.port, commons.storagePort) = (0, 0) }
                configure(number - 1, &commons)
                started.append(try TestCommons.start(commons))
            }
            return try TestFederation(configuration: configuration, commons: started)
        } catch {
            for commons in started { commons.stop() }
            throw error
        }
    }

    private init(configuration: TestFederationConfiguration, commons: [TestCommons]) throws {
        let numbered = Array(zip(1..., commons))
        let aggregatePrefixes =
            configuration.aggregatePrefixes
            ?? Set(numbered.filter { TestFederationConfiguration.aggregateKnowsByDefault($0.0) }.map { $0.1.configuration.guidPrefix })
        let distHintedPrefixes =
            configuration.distHintedPrefixes
            ?? Set(numbered.filter { TestFederationConfiguration.distHintsByDefault($0.0) }.map { $0.1.configuration.guidPrefix })
        let known = commons.filter { aggregatePrefixes.contains($0.configuration.guidPrefix) }
        commons[0].setAggregateHosts(Dictionary(uniqueKeysWithValues: known.map { ($0.configuration.guidPrefix, $0.authority) }))
        let state = FederationState(
            members: numbered.map { number, commons in
                FederationState.Member(
                    state: commons.state, name: "Test Commons \(number)", idp: "commons\(number)",
                    hinted: distHintedPrefixes.contains(commons.configuration.guidPrefix))
            })
        // One thread: the resolver and the WTS answer small JSON bodies.
        let services = ListenerGroup(threads: 1)
        let host = configuration.commons.host
        do {
            resolverEndpoint = try services.listen(host: host, port: 0, responder: DRSResolver(federation: state), recorder: state.recorder)
            let wts = WorkspaceTokenService(federation: state)
            wtsEndpoint = try services.listen(host: host, port: 0, responder: wts, recorder: state.recorder)
            wts.listening(on: wtsEndpoint)
        } catch {
            services.stop()
            throw error
        }
        self.configuration = configuration
        self.commons = commons
        self.aggregatePrefixes = aggregatePrefixes
        self.distHintedPrefixes = distHintedPrefixes
        self.state = state
        self.services = services
    }

    deinit { stop() }

    /// Stops the shared services and every commons. Idempotent; also done when released.
    public func stop() {
        services.stop()
        for commons in commons { commons.stop() }
    }

    /// The first commons, which serves the aggregate MDS: the client's default endpoint.
    public var hub: TestCommons { commons[0] }

    /// The WTS identity provider of each commons, in the order of ``commons``: `commons<n>`.
    public var identityProviders: [String] { state.members.map(\.idp) }

    /// The name the resolver and the WTS give each commons, in the order of ``commons``.
    public var names: [String] { state.members.map(\.name) }

    /// The commons whose objects include `did` (a GUID or, under that commons' prefix, a bare UUID).
    public func commons(owning did: String) -> TestCommons? {
        state.owner(of: did).flatMap { owner in commons.first { $0.state === owner.member.state } }
    }

    // MARK: - Faults and stats

    /// What the resolver and the WTS have seen (their ``Route``s, connections, `Authorization`
    /// headers); each commons keeps its own in ``TestCommons/stats``.
    public var serviceStats: CommonsStats { state.recorder.snapshot }

    /// Makes the resolver or the WTS misbehave: a `.status` or `.apiRedirect` fault at
    /// ``Route/resolverDist``, ``Route/resolverIndex`` (for one GUID or any), ``Route/wtsProviders``
    /// or ``Route/wtsToken``. Faults of a commons are set on that commons.
    public func setServiceFault(_ fault: Fault, guid: String? = nil, times: FaultCount = .times(1)) {
        state.faults.add(fault, guid: guid, times: times)
    }

    /// Removes every resolver and WTS fault not yet used up.
    public func clearServiceFaults() { state.faults.clear() }

    /// `Authorization` headers that reached a host their token was not issued for: at a commons'
    /// control plane, any whose token's issuer is not that commons (another commons' token, or
    /// no JWT at all); at a storage host, the resolver or the WTS, every one. A client that keeps
    /// each token to its own commons leaves this at 0.
    public var misdirectedAuthorizations: Int {
        var count = serviceStats.authorizations.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        for commons in commons {
            for (listener, issuers) in commons.stats.authorizations {
                let own = listener == commons.endpoint ? commons.endpoint + "/user" : nil
                count += issuers.filter { $0.key != own }.values.reduce(0, +)
            }
        }
        return count
    }
}
