/// What a federation's shared services (the DRS resolver and the WTS) know and count: the member
/// commons in order, hub first, with the names they go by, which prefixes the resolver's `_dist`
/// hints at, and the services' own counters and faults.
final class FederationState: Sendable {
    /// One member commons as the shared services describe it.
    struct Member: Sendable {
        let state: CommonsState
        /// Display name, e.g. `Test Commons 2`.
        let name: String
        /// The WTS identity provider whose tokens are this commons', e.g. `commons2`.
        let idp: String
        /// Whether the resolver's `_dist` entry for this commons carries a hint for its prefix.
        let hinted: Bool

        var prefix: String { state.configuration.guidPrefix }
        /// The `host` indexd's `_dist` and `from_index_service` give: the index route's URL.
        var indexURL: String { state.endpoint + "/index/" }
    }

    let members: [Member]
    let recorder = StatsRecorder()
    let faults = FaultPlan()

    init(members: [Member]) { self.members = members }

    /// The member that knows `did` (resolved as its indexd resolves it), with the object.
    func owner(of did: String) -> (member: Member, object: TestObject)? {
        for member in members {
            if let object = member.state.store.object(did: did) { return (member, object) }
        }
        return nil
    }

    /// The response a fault for this request makes (counted as fired), or nil when none acts.
    /// Only status and redirect faults name these routes.
    func injectedResponse(_ route: Route, guid: String?) -> HTTPResponse? {
        let response: HTTPResponse
        switch faults.take(route: route, guid: guid) {
        case .status(let status, _, let retryAfter)?: response = .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .apiRedirect(let location, _)?: response = .redirect(to: location)
        default: return nil
        }
        recorder.update { $0.faultsFired += 1 }
        return response
    }
}
