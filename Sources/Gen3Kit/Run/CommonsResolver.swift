import Foundation
import Logging

/// Decides which commons a file is fetched from when the manifest did not say (a `commons_url`, a
/// `drs://host/…` URI: those are set at import). A prefixed GUID (`dg.4DFC/<uuid>`) is looked up,
/// each step's answer cached: in this worker's memory; in the job's `resolver_cache` (answers
/// younger than `RunOptions.resolverCacheAge`); the job's commons' aggregate metadata service
/// (`GET {endpoint}/mds/aggregate/info/{prefix}` → `{"host"}`); the DRS resolver's list of
/// commons (`GET {resolver}/index/_dist`, entries with `hints`, regular expressions of the GUIDs
/// each commons holds); the resolver's index (`GET {resolver}/index/{guid}` →
/// `from_index_service.host`). A bare GUID, or one none of them knows, goes to the job's endpoint.
/// Each step is asked once per prefix: the index's answer for one GUID stands for its prefix, as
/// the other steps' do (a worker that asked it for every GUID would wait a round trip per file).
final class CommonsResolver {
    /// A file's commons: nil for the job's endpoint; `note` says what was tried when nothing knew
    /// the file's prefix (kept with the reason if the file fails).
    struct Decision {
        var commons: String?
        var note: String?
    }

    let store: JobStore
    let endpoint: String
    /// The DRS resolver's base URL; nil asks none.
    let resolverURL: String?
    let options: RunOptions
    let logger: Logger
    /// Answers for prefixes in this worker.
    private var known: [String: Decision] = [:]
    /// The resolver's `_dist` list, fetched at most once per worker.
    private var distribution: [(commons: String, hints: [NSRegularExpression])]?
    private var distributionProblem: String?
    /// Why the resolver's index is not asked any more (it did not answer, or failed): each GUID
    /// asked of it would hold up the worker for as long again.
    private var indexUnavailable: String?
    /// Decisions to record in the job table (`flush`).
    private var unrecorded: [(fileID: Int64, commons: String)] = []
    /// The job's endpoint as an origin: a file decided to be there needs no record (NULL says so,
    /// and the cache gives the same answer to a run with another endpoint).
    private let primaryOrigin: String?

    /// The connections its questions use and leave open: those of the job's commons, whose token
    /// request has one open by the time the first question comes.
    private let connections: CurlShare?

    init(store: JobStore, endpoint: String, resolverURL: String?, options: RunOptions, connections: CurlShare? = nil, logger: Logger) {
        self.connections = connections
        primaryOrigin = try? Endpoint.origin(of: endpoint)
        self.resolverURL = resolverURL
        self.store = store
        self.endpoint = endpoint
        self.options = options
        self.logger = logger
    }

    /// The commons of `file` (whose GUID reads as `id`); asks the resolvers (blocking, once per
    /// prefix) when nothing cached knows.
    func decide(_ file: ClaimedFile, id: DRSIdentifier, now: Double = Clock.now()) -> Decision {
        if let commons = file.commons { return Decision(commons: commons) }
        guard let prefix = id.prefix else { return Decision() }
        if let decision = known[prefix] { return record(decision, file) }
        if let cached = cached(prefix, now: now) {
            known[prefix] = cached
            return record(cached, file)
        }
        let decision = ask(prefix: prefix, objectID: id.objectID, now: now)
        known[prefix] = decision
        return record(decision, file)
    }

    /// Writes this worker's new decisions into `files.commons`, in one transaction.
    func flush() throws {
        guard !unrecorded.isEmpty else { return }
        try store.setCommons(unrecorded)
        unrecorded.removeAll(keepingCapacity: true)
    }

    private func record(_ decision: Decision, _ file: ClaimedFile) -> Decision {
        if let commons = decision.commons, commons != primaryOrigin { unrecorded.append((file.id, commons)) }
        return decision
    }

    private func cached(_ prefix: String, now: Double) -> Decision? {
        guard let entry = try? store.resolverCacheEntry(key: prefix), entry.resolvedAt >= now - options.resolverCacheAge else { return nil }
        return Decision(commons: entry.commons)
    }

    /// The steps after the caches, for the prefix of `objectID`.
    private func ask(prefix: String, objectID: String, now: Double) -> Decision {
        var tried: [String] = []
        let mds = endpoint + "/mds/aggregate/info/" + Endpoint.pathEncoded(prefix)
        let answer = BlockingGet.fetch(mds, http: options.http, connections: connections)
        if answer.status == 200, let host = SmallJSON.decode(HostAnswer.self, from: Data(answer.body))?.host,
            let commons = try? Endpoint.origin(of: host)
        {
            return remember(prefix, commons, source: "mds", now: now, how: "the metadata service at \(endpoint)")
        }
        tried.append("\(mds): \(answer.summary)")
        if let resolver = resolverURL {
            if let commons = fromDistribution(resolver, objectID: objectID) {
                return remember(prefix, commons, source: "resolver_dist", now: now, how: "\(resolver)/index/_dist")
            }
            tried.append("\(resolver)/index/_dist: \(distributionProblem ?? "no hint matches")")
            if let unavailable = indexUnavailable {
                tried.append("\(resolver)/index: \(unavailable)")
            } else {
                let index = resolver + "/index/" + Endpoint.pathEncoded(objectID)
                let answer = BlockingGet.fetch(index, http: options.http, connections: connections)
                if answer.status == 200, let host = SmallJSON.decode(IndexAnswer.self, from: Data(answer.body))?.host,
                    let commons = try? Endpoint.origin(of: host)
                {
                    return remember(prefix, commons, source: "resolver_index", now: now, how: index)
                }
                tried.append("\(index): \(answer.summary)")
                if answer.status == 0 || answer.status >= 500 { indexUnavailable = "\(answer.summary) earlier in this run" }
            }
        }
        let note = "no resolver knows \(prefix), so it was asked of the job's endpoint; tried \(tried.joined(separator: "; "))"
        logger.info("\(note)")
        return Decision(commons: nil, note: note)
    }

    private func remember(_ key: String, _ commons: String, source: String, now: Double, how: String) -> Decision {
        do {
            try store.saveResolverCacheEntry(key: key, commons: commons, source: source, now: now)
        } catch {
            logger.warning("could not cache \(key) → \(commons) in the job: \(error)")
        }
        logger.info("\(key) is in \(commons) (from \(how))")
        return Decision(commons: commons)
    }

    private func fromDistribution(_ resolver: String, objectID: String) -> String? {
        if distribution == nil && distributionProblem == nil { loadDistribution(resolver) }
        let range = NSRange(objectID.startIndex..., in: objectID)
        return distribution?.first { entry in
            entry.hints.contains { $0.firstMatch(in: objectID, range: range) != nil }
        }?.commons
    }

    private func loadDistribution(_ resolver: String) {
        let answer = BlockingGet.fetch(resolver + "/index/_dist", http: options.http, connections: connections)
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
