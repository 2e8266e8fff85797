import Foundation
import Logging

/// One run of a job, for every way of starting one: `gen3 run`, `download-multiple-async`,
/// `download-single` and ``Gen3Commons/download(manifest:to:options:)``. It checks the key before
/// any work (waiting while the commons is busy), the free space, puts back the rows of workers that
/// died, checks the download path and the open-file limit, runs one worker in this process or
/// several as processes of this binary
/// (`WorkerInvocation`), stops on a signal or a cancelled `Task` (`RunStop`), and reports progress.
///
/// ```swift
/// let run = try JobRun(databasePath: "job.sqlite", endpoint: nil, auth: "credentials.json",
///                      options: RunOptions(), workers: .inProcess, stop: RunStop(.cancellation), logger: logger)
/// try run.verifyCredentials()
/// let result = try run.run { progress in print(progress.count(.done)) }
/// ```
package final class JobRun {
    /// Where the workers run.
    package enum Workers: Sendable {
        /// One worker in this process, whatever `options.workers` says (the Swift API: its host
        /// program is not a binary that can run `gen3 worker`).
        case inProcess
        /// `options.workers` workers: one alone runs in this process; two or more run each as a
        /// process of this binary, given `verbosity` (the count of `-v`) and `logFile` (`--log-file`)
        /// for their logging.
        case processes(verbosity: Int, logFile: String? = nil)
    }

    package let databasePath: String
    package let store: JobStore
    package let settings: JobSettings
    package let context: JobContext
    package let options: RunOptions
    package let stop: RunStop
    /// The credentials as the caller named them (a path, a name under ~/.gen3, a token URI), for
    /// worker processes to load; nil: the job's, else the defaults.
    private let auth: String?
    /// Credentials for other commons than the job's own, by origin, as given (`CommonsAuth`).
    private let commonsAuth: [String: String]
    private let workers: Workers
    private let hooks: TestHooks?
    private let logger: Logger
    private var tokens: AccessTokenProvider?
    /// The resolvers' answers for the first files' prefixes, asked while the run starts.
    private var warmup: ResolverWarmup?
    private var warmupStarted = false
    private var early: EarlySessions?

    /// Opens the job and settles its commons and credentials: the flags, else the job's settings,
    /// else the defaults (`JobContext.resolve`). No request is made yet.
    /// - Parameter tokens: a provider that has already fetched a token for these credentials
    ///   (`JobRun.verify`); the run goes on with it.
    /// - Parameter resolverWarmup: the resolvers already asked for the first files' prefixes
    ///   (`resolverWarmup(manifest:…)`); the run asks for none of its own.
    package convenience init(
        databasePath: String, endpoint: String?, auth: String?, commonsAuth: [String: String] = [:], options: RunOptions,
        workers: Workers, stop: RunStop, tokens: AccessTokenProvider? = nil, resolverWarmup: ResolverWarmup? = nil,
        hooks: TestHooks? = nil, logger: Logger
    ) throws {
        let path = JobLocation.isPostgres(databasePath) ? databasePath : FilePaths.absolute(databasePath)
        // Started before this session opens, so that all three connect at once.
        let early = Self.earlySessions(location: path, options: options, workers: workers)
        let store = try JobStore(path: path, create: false)
        let settings = try store.requireSettings()
        let context = try JobContext.resolve(settings: settings, endpointFlag: endpoint, authFlag: auth)
        self.init(
            databasePath: path, store: store, settings: settings, context: context, auth: auth, commonsAuth: commonsAuth,
            options: options, workers: workers, stop: stop, tokens: tokens, hooks: hooks, logger: logger)
        self.early = early
        if let resolverWarmup {
            warmup = resolverWarmup
            warmupStarted = true
        }
    }

    /// The sessions of the worker that will run in this process, on a job in PostgreSQL: they
    /// connect (several round trips each, to a server that may be far away) while this process's
    /// own session opens the job, fetches the token and reads what the run needs first, instead of
    /// after. nil for SQLite, which opens in no time, and for worker processes, which open their own.
    private static func earlySessions(location: String, options: RunOptions, workers: Workers) -> EarlySessions? {
        guard JobLocation.isPostgres(location), hasWorkerInProcess(options: options, workers: workers) else { return nil }
        return EarlySessions(store: EarlyStore(location: location), claims: ClaimAhead(location: location, connectNow: true))
    }

    private typealias EarlySessions = (store: EarlyStore, claims: ClaimAhead)

    /// Whether one of the run's workers runs in this process: two or more all run as processes
    /// (`Supervisor`), which open their own sessions and ask their own questions.
    private static func hasWorkerInProcess(options: RunOptions, workers: Workers) -> Bool {
        if case .processes = workers, options.workers > 1 { return false }
        return true
    }

    /// A run of an open job with its commons and credentials already settled.
    package init(
        databasePath: String, store: JobStore, settings: JobSettings, context: JobContext, auth: String?,
        commonsAuth: [String: String] = [:], options: RunOptions, workers: Workers, stop: RunStop, tokens: AccessTokenProvider? = nil,
        hooks: TestHooks? = nil,
        logger: Logger
    ) {
        self.hooks = hooks
        self.databasePath = databasePath
        self.store = store
        self.settings = settings
        self.context = context
        self.auth = auth
        self.commonsAuth = commonsAuth
        self.options = options
        self.workers = workers
        self.stop = stop
        self.logger = logger
        self.tokens = tokens.flatMap { $0.endpoint == context.endpoint ? $0 : nil }
    }

    /// Fetches one access token, which proves the key works before anything else happens; warns
    /// first when TLS certificates will not be verified. A commons that is busy, failing or drops
    /// the connection (`CommonsError.isWorthWaitingFor`) is asked again with the run's backoff, or after its
    /// Retry-After when longer, up to the run's attempts, each wait said on the log; a refused key or
    /// request fails at once. `run` does this itself when it was not done.
    package static func verify(
        _ context: JobContext, options: RunOptions, logger: Logger,
        sleep: (Double) -> Void = { Clock.sleep(seconds: $0) }
    ) throws -> AccessTokenProvider {
        if !options.http.verifyTLS {
            logger.warning("--insecure: TLS certificates are NOT verified; anyone on the network path can read or alter the files")
        }
        var attempt = 1
        while true {
            do {
                return try context.verify(http: options.http, wtsURL: options.wtsURL, logger: logger)
            } catch let error as CommonsError where error.isWorthWaitingFor && attempt < options.retry.maxAttempts {
                let wait = max(options.retry.delay(afterAttempt: attempt), error.retryAfter ?? 0)
                logger.warning(
                    "\(error.localizedDescription); asking again in \(String(format: "%.1f", wait)) s (attempt \(attempt) of \(options.retry.maxAttempts))"
                )
                sleep(wait)
                attempt += 1
            }
        }
    }

    /// `verify` for this run's commons, once; the resolvers are asked for the first files'
    /// prefixes meanwhile.
    package func verifyCredentials() throws {
        startResolverWarmup()
        if tokens == nil { tokens = try Self.verify(context, options: options, logger: logger) }
    }

    /// Puts failed files back to pending with fresh attempts; how many.
    package func retryFailed() throws -> Int { try store.retryFailed() }

    /// Runs the job until no work is left, a stop, or a fatal error (thrown as `RunError`).
    /// `onProgress` is called a few times a second with the counts from the database.
    package func run(onProgress: ((JobProgress) -> Void)? = nil) throws -> RunResult {
        let early = self.early ?? Self.earlySessions(location: databasePath, options: options, workers: workers)
        self.early = nil
        try verifyCredentials()
        let warmup = self.warmup
        let options = options.sized(byAnswerWait: tokens?.answerWait)
        if self.options.distantMaxConcurrentRequests != nil, let wait = tokens?.answerWait {
            logger.info(
                "\(context.endpoint) answered in \(Int((wait * 1000).rounded())) ms: \(options.maxConcurrentRequests) transfers at once (--max-concurrent-requests sets them)"
            )
        }
        // The counts read every row: read once for the free-space check and the first progress.
        let counts = options.checkFreeSpace || onProgress != nil ? try store.progress() : nil
        if options.checkFreeSpace, let counts { try Self.checkFreeSpace(for: counts, in: settings.downloadPath) }
        // Later runs find the other commons' credentials without the flags (paths only), and the
        // job's views name its endpoint even when the API key's issuer gave it.
        try store.saveCommonsCredentials(CommonsAuth(byCommons: commonsAuth).storable)
        if settings.endpoint == nil {
            var named = settings
            named.endpoint = context.endpoint
            try store.saveSettings(named)
        }
        stop.arm()
        let supervisor = Supervisor(
            store: store, options: options, processes: workerProcesses(options), stop: stop, hooks: hooks,
            logger: logger
        ) { [databasePath, settings, context, options, tokens, stop, hooks, logger, commonsAuth, warmup] in
            let claims = early?.claims ?? ClaimAhead(location: databasePath, connectNow: true)
            return try Worker(
                store: early?.store.take() ?? JobStore(path: databasePath, create: false), settings: settings, endpoint: context.endpoint,
                credentials: context.credentials, options: options, auth: CommonsAuth(byCommons: commonsAuth), tokens: tokens,
                stop: stop, claims: claims, resolverWarmup: warmup, hooks: hooks, logger: logger)
        }
        return try supervisor.run(downloadPath: settings.downloadPath, onProgress: onProgress, startingCounts: counts)
    }

    /// Asks the resolvers for the prefixes of the first files while the run starts, for the worker
    /// in this process (`ResolverWarmup`), once. Only a head start: a job that cannot be read now
    /// leaves the worker to ask, and to report what stops it.
    private func startResolverWarmup() {
        guard !warmupStarted else { return }
        warmupStarted = true
        guard Self.warmsResolvers(location: databasePath, options: options, workers: workers) else { return }
        let lookup = Self.prefixLookup(context: context, settings: settings, options: options)
        warmup = (try? ResolverWarmup.start(store: store, resolverCacheAge: options.resolverCacheAge, lookup: lookup)) ?? nil
    }

    /// `download-multiple-async`'s head start: the resolvers asked for the prefixes of the first
    /// entries of `manifest` while the key is checked and the manifest imported (into `existing`,
    /// when the job is there), for the run that follows (`init(…, resolverWarmup:)`).
    package static func resolverWarmup(
        manifest: String, databasePath: String, existing: JobStore?, settings: JobSettings, context: JobContext, options: RunOptions,
        workers: Workers
    ) -> ResolverWarmup? {
        guard warmsResolvers(location: databasePath, options: options, workers: workers) else { return nil }
        let lookup = prefixLookup(context: context, settings: settings, options: options)
        return ResolverWarmup.start(manifest: manifest, store: existing, resolverCacheAge: options.resolverCacheAge, lookup: lookup)
    }

    /// Whether a run asks the resolvers ahead of its worker: not when its workers are processes
    /// (the answers would reach none of them); not in PostgreSQL, where reading the first files and
    /// the cache is a round trip each to a server that may be far away, on the way to the first claim.
    private static func warmsResolvers(location: String, options: RunOptions, workers: Workers) -> Bool {
        hasWorkerInProcess(options: options, workers: workers) && !JobLocation.isPostgres(location)
    }

    /// The resolvers the run's worker would ask, on connections of their own.
    private static func prefixLookup(context: JobContext, settings: JobSettings, options: RunOptions) -> PrefixLookup {
        PrefixLookup(endpoint: context.endpoint, resolverURL: options.resolver(settings: settings), http: options.http)
    }

    /// Room kept free besides the files (the job database, blocks' rounding): 1 MiB plus 2% of what
    /// is left to download.
    static func freeSpaceMargin(for needed: Int64) -> Int64 { (1 << 20) + needed / 50 }

    /// Throws `notEnoughSpace` when `directory`'s file system (or, before it exists, its nearest
    /// existing parent's) has less free space than the files still to download need.
    package static func checkFreeSpace(for progress: JobProgress, in directory: String) throws {
        let needed = progress.bytesToDownload
        guard needed > 0, let free = FilePaths.freeSpace(nearest: directory) else { return }
        let wanted = needed + freeSpaceMargin(for: needed)
        if wanted > free { throw RunError.notEnoughSpace(path: directory, needed: wanted, free: free) }
    }

    private func workerProcesses(_ options: RunOptions) -> WorkerProcesses? {
        guard case .processes(let verbosity, let logFile) = workers else { return nil }
        let invocation = WorkerInvocation(
            databasePath: databasePath, endpoint: context.endpoint, options: options, verbosity: verbosity, logFile: logFile)
        return WorkerProcesses(
            executable: ProcessSpawner.currentExecutable, arguments: invocation.arguments,
            environment: WorkerInvocation.environment(auth: auth, commonsAuth: commonsAuth, database: databasePath))
    }
}
