/// The resolvers' answers for the prefixes of a run's first files, asked on a thread of its own
/// from the start of the run, while it fetches its token and sets up its worker. Asked by the
/// worker, they would hold up its first files: a round trip to the commons' metadata service and,
/// when that does not know the prefix, a new connection to the DRS resolver. Only the worker
/// in the run's own process takes the answers (worker processes ask on their own), and it caches
/// them in the job as it would its own.
package final class ResolverWarmup: @unchecked Sendable {
    /// Files looked at: a claim's worth.
    static let filesLooked = 256
    /// Prefixes asked at most: a manifest's first files seldom have more.
    static let maxPrefixes = 4

    /// The prefixes the thread asks, with one GUID of each.
    private let prefixes: [(prefix: String, objectID: String)]
    private let shared = Shared()
    private var thread: JoinableThread?

    /// The answers, as the thread gets them.
    private final class Shared: @unchecked Sendable {
        let lock = ConditionLock()
        var answers: [String: PrefixLookup.Answer] = [:]
    }

    /// Starts asking for the prefixes of the first files due that no file's commons and no fresh
    /// cache entry settles; nil when there are none.
    static func start(store: JobStore, resolverCacheAge: Double, lookup: PrefixLookup, now: Double = Clock.now()) throws
        -> ResolverWarmup?
    {
        var prefixes = Prefixes(store: store, resolverCacheAge: resolverCacheAge, now: now)
        for file in try store.firstDue(limit: filesLooked) where file.commons == nil {
            guard try prefixes.add(file.guid) else { break }
        }
        return start(prefixes.found, lookup: lookup)
    }

    /// The same for the first entries of the manifest at `path`, before it is imported (into
    /// `store`, when the job exists); nil when there are none, or it cannot be read now (the import
    /// says why). Only a regular file is read twice: what this took from a pipe, the import would
    /// never see.
    static func start(manifest path: String, store: JobStore?, resolverCacheAge: Double, lookup: PrefixLookup, now: Double = Clock.now())
        -> ResolverWarmup?
    {
        guard FilePaths.isRegularFile(path) else { return nil }
        var prefixes = Prefixes(store: store, resolverCacheAge: resolverCacheAge, now: now)
        guard let reader = try? openManifest(path: path) else { return nil }
        for _ in 0..<filesLooked {
            guard let entry = try? reader.next() else { break }
            if entry.commonsURL != nil { continue }
            guard (try? prefixes.add(entry.guid)) == true else { break }
        }
        return start(prefixes.found, lookup: lookup)
    }

    /// The prefixes of files' GUIDs, each once, that the job's cache does not answer; at most
    /// `maxPrefixes`.
    private struct Prefixes {
        let store: JobStore?
        let resolverCacheAge: Double
        let now: Double
        var found: [(prefix: String, objectID: String)] = []

        /// Whether more may be added.
        mutating func add(_ guid: String) throws -> Bool {
            let id = DRSIdentifier(guid)
            guard id.host == nil, let prefix = id.prefix, !found.contains(where: { $0.prefix == prefix }) else { return true }
            if try store?.resolverCacheEntry(key: prefix, maxAge: resolverCacheAge, now: now) != nil { return true }
            found.append((prefix, id.objectID))
            return found.count < maxPrefixes
        }
    }

    private static func start(_ prefixes: [(prefix: String, objectID: String)], lookup: PrefixLookup) -> ResolverWarmup? {
        guard !prefixes.isEmpty else { return nil }
        let warmup = ResolverWarmup(prefixes: prefixes)
        let shared = warmup.shared
        warmup.thread = JoinableThread {
            for (prefix, objectID) in prefixes {
                let answer = lookup.ask(prefix: prefix, objectID: objectID)
                shared.lock.locked {
                    shared.answers[prefix] = answer
                    shared.lock.broadcast()
                }
            }
        }
        return warmup
    }

    private init(prefixes: [(prefix: String, objectID: String)]) { self.prefixes = prefixes }

    /// A run that ends before its worker asked (a stop, an error) does not wait for the answers.
    deinit { thread?.detach() }

    /// What the resolvers answered for `prefix`, once they have; nil for a prefix this warmup does
    /// not ask.
    func answer(forPrefix prefix: String) -> PrefixLookup.Answer? {
        guard prefixes.contains(where: { $0.prefix == prefix }) else { return nil }
        return shared.lock.locked {
            while shared.answers[prefix] == nil { shared.lock.wait() }
            return shared.answers[prefix]
        }
    }
}
