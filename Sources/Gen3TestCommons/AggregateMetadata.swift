/// The aggregate metadata service's prefix lookup, `GET /mds/aggregate/info/{prefix}`, answering
/// `{"host": "<host:port>"}` for the prefixes set with ``TestCommons/setAggregateHosts(_:)``.
///
/// A real aggregate MDS answers the bare host name (`"nci-crdc.datacommons.io"`); loopback commons
/// differ only by port, so the answer here is the `host:port` authority (`"127.0.0.1:41234"`),
/// without a scheme or path, like the real one. An unknown prefix is a 404 in FastAPI's shape,
/// `{"detail": {"message": "information for <prefix> not found", "code": 404}}`.
struct AggregateMetadata: Sendable {
    let state: CommonsState

    func info(_ request: HTTPRequest, prefix: String) -> HTTPResponse {
        state.recorder.update { $0.requests[.aggregateInfo, default: 0] += 1 }
        if state.tokenGate?.open() == true { state.recorder.update { $0.tokensReleasedByMetadata += 1 } }
        switch state.takeFault(.aggregateInfo, guid: nil) {
        case .status(let status, _, let retryAfter)?: return .error(status, "injected fault: \(status)", retryAfter: retryAfter)
        case .apiRedirect(let location, _)?: return .redirect(to: location)
        default: break
        }
        guard let host = state.aggregateHosts[prefix] else {
            return .json(404, ["detail": ["message": "information for \(prefix) not found", "code": 404]])
        }
        return .json(200, ["host": host])
    }
}
