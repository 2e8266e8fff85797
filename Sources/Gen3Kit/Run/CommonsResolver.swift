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
/// The network steps are `PrefixLookup`'s; a run may have asked them already (`ResolverWarmup`).
final class CommonsResolver {
    /// A file's commons: nil for the job's endpoint; `note` says what was tried when nothing knew
    /// the file's prefix (kept with the reason if the file fails).
    struct Decision {
        var commons: String?
        var note: String?
    }

    let store: JobStore
    let options: RunOptions
    let logger: Logger
    private let lookup: PrefixLookup
    /// The answers the run asked for while it started, for the prefixes of its first files.
    private let warmup: ResolverWarmup?
    /// Answers for prefixes in this worker.
    private var known: [String: Decision] = [:]
    /// Decisions to record in the job table (`flush`).
    private var unrecorded: [(fileID: Int64, commons: String)] = []
    /// The job's endpoint as an origin: a file decided to be there needs no record (NULL says so,
    /// and the cache gives the same answer to a run with another endpoint).
    private let primaryOrigin: String?

    /// `connections`: those its questions use and leave open, the job's commons', whose token
    /// request has one open by the time the first question comes.
    init(
        store: JobStore, endpoint: String, resolverURL: String?, options: RunOptions, connections: CurlShare? = nil,
        warmup: ResolverWarmup? = nil, logger: Logger
    ) {
        lookup = PrefixLookup(endpoint: endpoint, resolverURL: resolverURL, http: options.http, connections: connections)
        primaryOrigin = try? Endpoint.origin(of: endpoint)
        self.warmup = warmup
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// The commons of `file` (whose GUID reads as `id`); asks the resolvers (blocking, once per
    /// prefix) when nothing cached knows.
    func decide(_ file: ClaimedFile, id: DRSIdentifier, now: Double = Clock.now()) -> Decision {
        if let commons = file.commons { return Decision(commons: commons) }
        guard let prefix = id.prefix else { return Decision() }
        if let decision = known[prefix] { return record(decision, file) }
        let decision: Decision
        if let answer = warmup?.answer(forPrefix: prefix) {
            // The warmup looked in the cache before it asked: what it has is as fresh.
            decision = self.decision(answer, prefix: prefix, now: now)
        } else if let cached = cached(prefix, now: now) {
            decision = cached
        } else {
            decision = self.decision(lookup.ask(prefix: prefix, objectID: id.objectID), prefix: prefix, now: now)
        }
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
        guard let entry = try? store.resolverCacheEntry(key: prefix, maxAge: options.resolverCacheAge, now: now) else { return nil }
        return Decision(commons: entry.commons)
    }

    /// A lookup's answer for `prefix`, cached in the job when it names a commons.
    private func decision(_ answer: PrefixLookup.Answer, prefix: String, now: Double) -> Decision {
        guard let commons = answer.commons else {
            let note = "no resolver knows \(prefix), so it was asked of the job's endpoint; tried \(answer.tried.joined(separator: "; "))"
            logger.info("\(note)")
            return Decision(commons: nil, note: note)
        }
        do {
            try store.saveResolverCacheEntry(key: prefix, commons: commons, source: answer.source, now: now)
        } catch {
            logger.warning("could not cache \(prefix) → \(commons) in the job: \(error)")
        }
        logger.info("\(prefix) is in \(commons) (from \(answer.how))")
        return Decision(commons: commons)
    }
}
