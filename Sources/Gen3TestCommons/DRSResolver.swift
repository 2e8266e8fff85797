import Foundation

/// A stand-in for dataguids.org, the DRS resolver of Gen3 commons, on a listener of its own:
///
/// - `GET /index/_dist`: the indexd services it knows, as dataguids.org answers it — a JSON list of
///   `{"host": "<endpoint>/index/", "name": "Test Commons <n>", "type": "indexd", "hints":
///   [".*dg\\.TEST<n>.*"]}`, one per commons in order, hub first. A commons whose prefix is not
///   hinted has `"hints": []` (as NCI CRDC's entry has), so its prefix is found only through
///   `/index/{guid}`. A last entry of `"type": "doi"` (`https://doi.org/`, hint `10\\..*`) stands for
///   the non-indexd services the real list holds, which a client must skip.
/// - `GET /index/{guid}`: the indexd record from whichever commons has `guid` (resolved as indexd
///   resolves it: raw or encoded `/`, bare UUID), plus `"from_index_service": {"host":
///   "<endpoint>/index/", "name": "Test Commons <n>"}`; 404 `{"error": "no record found"}` otherwise.
///   The commons are consulted in memory: their own counters do not see it.
/// - `GET /_stats`: the federation's service counters (``TestFederation/serviceStats``).
struct DRSResolver: HTTPResponder {
    let federation: FederationState

    func reply(to request: HTTPRequest) -> Reply { .response(response(to: request)) }

    private func response(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET else { return .error(405, "use GET") }
        if request.path == "/index/_dist" { return dist() }
        if let guid = request.pathRemainder(after: "/index/") { return record(guid) }
        if request.path == "/_stats" { return .json(200, federation.recorder.snapshot.jsonObject) }
        return .error(404, "no route for \(request.method) \(request.path)")
    }

    private func dist() -> HTTPResponse {
        federation.recorder.update { $0.requests[.resolverDist, default: 0] += 1 }
        if let refusal = federation.injectedResponse(.resolverDist, guid: nil) { return refusal }
        var entries: [[String: Any]] = federation.members.map { member in
            [
                "host": member.indexURL, "name": member.name, "type": "indexd",
                "hints": member.hinted ? [Self.hint(member.prefix)] : [String](),
            ]
        }
        entries.append(["host": "https://doi.org/", "name": "DX DOI", "type": "doi", "hints": ["10\\..*"]])
        return .json(200, entries)
    }

    private func record(_ guid: String) -> HTTPResponse {
        federation.recorder.update { $0.requests[.resolverIndex, default: 0] += 1 }
        let found = federation.owner(of: guid)
        if let refusal = federation.injectedResponse(.resolverIndex, guid: found?.object.guid ?? guid) { return refusal }
        guard let (member, object) = found else { return .error(404, "no record found") }
        var record = Indexd.record(of: object, state: member.state)
        record["from_index_service"] = ["host": member.indexURL, "name": member.name]
        return .json(200, record)
    }

    /// dataguids.org's hint for a prefix: a regular expression matching any id that contains it,
    /// e.g. `.*dg\.4503.*`.
    static func hint(_ prefix: String) -> String {
        ".*" + prefix.replacingOccurrences(of: ".", with: "\\.") + ".*"
    }
}
