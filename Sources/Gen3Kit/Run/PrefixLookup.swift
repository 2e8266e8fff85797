import Foundation

/// The network half of `CommonsResolver`: which commons a GUID prefix belongs to, asked of the job's
/// commons' aggregate metadata service, then the DRS resolver's list of commons (`_dist`), then the
/// resolver's index for one GUID of the prefix. Keeps what it learned of the resolver (its list, or
/// that it is down) for the next prefix; touches no job database, so a run can ask on a thread of
/// its own (`ResolverWarmup`) while its worker starts.
final class PrefixLookup {
    /// The commons that holds a prefix's files, with which step said so (`source`, as
    /// `resolver_cache.source` records it) and where (`how`); or nil, with what was tried.
    struct Answer {
        var commons: String?
        var source = ""
        var how = ""
        var tried: [String] = []
    }

    let endpoint: String
    /// The DRS resolver's base URL; nil asks none.
    let resolverURL: String?
    let http: HTTPOptions
    /// The connections the questions use and leave open (nil: their own).
    private let connections: CurlShare?
    /// The resolver's `_dist` list, fetched at most once.
    private var distribution: [(commons: String, hints: [NSRegularExpression])]?
    private var distributionProblem: String?
    /// Why the resolver's index is not asked any more (it did not answer, or failed): each GUID
    /// asked of it would hold up the worker for as long again.
    private var indexUnavailable: String?

    init(endpoint: String, resolverURL: String?, http: HTTPOptions, connections: CurlShare? = nil) {
        self.endpoint = endpoint
        self.resolverURL = resolverURL
        self.http = http
        self.connections = connections
    }

    /// The steps, in order, for `prefix`; `objectID` is one GUID of it (the index is asked for that).
    func ask(prefix: String, objectID: String) -> Answer {
        var tried: [String] = []
        let mds = endpoint + "/mds/aggregate/info/" + Endpoint.pathEncoded(prefix)
        let answer = BlockingGet.fetch(mds, http: http, connections: connections)
        if answer.status == 200, let host = SmallJSON.decode(HostAnswer.self, from: Data(answer.body))?.host,
            let commons = try? Endpoint.origin(of: host)
        {
            return Answer(commons: commons, source: "mds", how: "the metadata service at \(endpoint)")
        }
        tried.append("\(mds): \(answer.summary)")
        if let resolver = resolverURL {
            if let commons = fromDistribution(resolver, objectID: objectID) {
                return Answer(commons: commons, source: "resolver_dist", how: "\(resolver)/index/_dist")
            }
            tried.append("\(resolver)/index/_dist: \(distributionProblem ?? "no hint matches")")
            if let unavailable = indexUnavailable {
                tried.append("\(resolver)/index: \(unavailable)")
            } else {
                let index = resolver + "/index/" + Endpoint.pathEncoded(objectID)
                let answer = BlockingGet.fetch(index, http: http, connections: connections)
                if answer.status == 200, let host = SmallJSON.decode(IndexAnswer.self, from: Data(answer.body))?.host,
                    let commons = try? Endpoint.origin(of: host)
                {
                    return Answer(commons: commons, source: "resolver_index", how: index)
                }
                tried.append("\(index): \(answer.summary)")
                if answer.status == 0 || answer.status >= 500 { indexUnavailable = "\(answer.summary) earlier in this run" }
            }
        }
        return Answer(commons: nil, tried: tried)
    }

    private func fromDistribution(_ resolver: String, objectID: String) -> String? {
        if distribution == nil && distributionProblem == nil { loadDistribution(resolver) }
        let range = NSRange(objectID.startIndex..., in: objectID)
        return distribution?.first { entry in
            entry.hints.contains { $0.firstMatch(in: objectID, range: range) != nil }
        }?.commons
    }

    private func loadDistribution(_ resolver: String) {
        let answer = BlockingGet.fetch(resolver + "/index/_dist", http: http, connections: connections)
        guard answer.status == 200, let entries = SmallJSON.decode([DistributionEntry].self, from: Data(answer.body)) else {
            distributionProblem = answer.status == 200 ? "not a list of commons" : answer.summary
            return
        }
        distribution = entries.compactMap { entry in
            guard let host = entry.host, let commons = try? Endpoint.origin(of: host) else { return nil }
            // A hint is a regular expression the resolver's operators wrote; one that does not
            // compile matches nothing.
            return (commons, entry.hints.compactMap { try? NSRegularExpression(pattern: "^(?:\($0))") })
        }
    }

    /// `{"host": "…"}` from the metadata service.
    private struct HostAnswer: Decodable {
        var host: String?
    }

    /// `{"from_index_service": {"host": "…"}, …}` from the resolver's index.
    private struct IndexAnswer: Decodable {
        var host: String?

        enum CodingKeys: String, CodingKey { case fromIndexService = "from_index_service" }
        enum ServiceKeys: String, CodingKey { case host }

        init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            host = (try? members.nestedContainer(keyedBy: ServiceKeys.self, forKey: .fromIndexService))?.lenient(String.self, .host)
        }
    }

    /// One commons in `_dist`.
    private struct DistributionEntry: Decodable {
        var host: String?
        var hints: [String]

        enum CodingKeys: String, CodingKey { case host, hints }

        init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            host = members.lenient(String.self, .host)
            hints = members.lenient([String].self, .hints) ?? []
        }
    }
}
