#if canImport(Glibc)
    import Glibc
#endif

/// How `gen3 run` works through the job. Every field has the default `--help` shows.
public struct RunOptions: Sendable, Equatable, Codable {
    /// Workers. One runs inside the `run` process (a transfer loop, a renamer that checks, writes
    /// and syncs finished files, and two threads per large file), as fast as two worker processes
    /// at a third of the memory (BENCHMARKS.md); more are separate processes.
    public var workers = 1
    /// Rows a worker claims per transaction, at most (its fair share of what is due and the
    /// look-ahead's bytes bound each claim too): on PostgreSQL each claim is a round trip to a
    /// server that may be milliseconds away, and a smaller batch of small files runs out before
    /// the next claim is back (BENCHMARKS.md, a job database milliseconds away).
    public var batchSize = 256
    /// Transfers a worker runs at once: enough that small files keep up with a commons tens of
    /// milliseconds away (each transfer moves about one small file per round trip; BENCHMARKS.md,
    /// the WAN section), while large bodies are held to `maxLargeTransfers` of them.
    public var maxConcurrentRequests = 128
    /// Transfers instead of `maxConcurrentRequests` for a commons that takes `distantAnswerWait` or
    /// more to answer (`sized(byAnswerWait:)`), where the user chose no number: a distant commons needs more
    /// transfers for the same files/s, and a near one only more memory and contention
    /// (BENCHMARKS.md, the WAN section). nil: `maxConcurrentRequests` at any distance.
    public var distantMaxConcurrentRequests: Int?
    /// Connections one file's body may use at once: a file larger than `rangeThreshold` is fetched
    /// as byte ranges on up to this many connections (`RangePlan`); 1 fetches every file whole.
    /// Enough that a lone large file a few tens of milliseconds away goes at the disk's pace, not
    /// one connection's window per round trip (BENCHMARKS.md, the WAN section); the worker's
    /// large-body slots bound them all together.
    public var maxConnectionsPerFile = 8
    /// Files larger than this many bytes are fetched in ranges (with `maxConnectionsPerFile` > 1).
    public var rangeThreshold: Int64 = 64 << 20

    /// Whether a new body of `size` bytes is fetched as ranges on several connections.
    func fetchesInRanges(size: Int64) -> Bool { maxConnectionsPerFile > 1 && size > rangeThreshold }
    /// How often and how long apart a failing file is tried again.
    public var retry = RetryPolicy()
    /// How long a claim holds without a heartbeat before other workers may take the row.
    public var leaseSeconds: Double = 120
    /// A file already at its destination with the expected size and no md5 to check is `skipped`
    /// (with the expected md5 it is simply `done`, flag or not).
    public var skipCompleted = false
    /// The whole run's download rate cap in bytes per second (`--limit-rate`), shared by all its
    /// transfers and worker processes (`RateLimiter`). nil: no cap.
    public var maxBytesPerSecond: Int64?
    /// Refuse to start when the download directory's file system has less free space than the
    /// files still to download need (`--ignore-free-space` turns this off).
    public var checkFreeSpace = true
    /// What to do with a file at a destination that is not the expected one (`ExistingFileRule`).
    public var existingFiles = ExistingFiles.refuse
    /// Seconds in-flight transfers get to finish after SIGINT/SIGTERM before they are released.
    public var shutdownGrace: Double = 5
    /// Worker restarts allowed after crashes, per worker slot.
    public var restartsPerWorker = 3
    /// Sync each finished file on its own (`fdatasync`) instead of one `syncfs` per group of files.
    /// Both make a file durable before it is renamed and recorded; the group sync is several times
    /// faster for small files, but also writes out whatever else is pending on that file system,
    /// which on a disk shared with heavy writers can make each group wait for them.
    public var syncEachFile = false
    /// Ask Fence for the presigned URLs of many files in one request (`POST
    /// /user/data/download/bulk`) when the commons has that route; off, or on a commons without it,
    /// each file gets its own request.
    public var bulkURLs = true
    /// The DRS resolver asked which commons a GUID prefix belongs to when the job's commons'
    /// aggregate metadata service does not know it (`CommonsResolver`); nil: the job's (given at
    /// import), else `defaultResolver`; `none` asks none.
    public var drsResolver: String?
    /// Seconds a resolver's answer stays good in the job's `resolver_cache` (2 days, as the Gen3 SDK).
    public var resolverCacheAge: Double = 2 * 24 * 3600
    /// The Workspace Token Service's base URL for `idp://wts/<idp>` credentials; nil: the job's
    /// endpoint + `/wts`.
    public var wtsURL: String?
    /// Timeouts, redirects and TLS for every request.
    public var http = HTTPOptions()

    /// The defaults `gen3 run --help` shows.
    public init() {}

    /// Large bodies (8 MiB and more, written on threads of their own) a worker transfers at once
    /// with the default slots: each holds write buffers, so their number bounds memory.
    public static let maxLargeTransfers = 16

    /// The resolver runs ask when neither the run nor the job names one.
    public static let defaultResolver = "https://dataguids.org"

    /// A `--drs-resolver` value as the job keeps it: `none`, or an http(s) URL without a trailing slash.
    public static func resolverURL(_ value: String) throws -> String {
        value.lowercased() == "none" ? "none" : try Endpoint.normalize(value)
    }

    /// The resolver a run asks: its own, else the job's, else `defaultResolver`; nil for `none`.
    func resolver(settings: JobSettings) -> String? {
        let chosen = drsResolver ?? settings.drsResolver ?? Self.defaultResolver
        return chosen == "none" ? nil : chosen
    }
}

/// Exponential backoff with jitter, up to a number of attempts.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// Tries per file before it is marked failed.
    public var maxAttempts = 5
    /// Seconds before the second attempt; doubles each time.
    public var baseDelay: Double = 2
    /// The longest wait between two tries, in seconds.
    public var maxDelay: Double = 300

    /// A policy; the defaults are those of `gen3 run`.
    public init(maxAttempts: Int = 5, baseDelay: Double = 2, maxDelay: Double = 300) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait after attempt `attempt` (1-based) failed: `base·2^(n-1)`, capped, times a jitter in [0.5, 1.5).
    public func delay(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0..<1)) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 40))
        return min(maxDelay, baseDelay * pow(2, exponent)) * (0.5 + jitter)
    }
}

/// What a run does with something already at a file's destination that is not that file.
public enum ExistingFiles: String, Sendable, Codable, CaseIterable {
    /// The file fails with a reason naming the path; nothing on disk changes (the default).
    case refuse
    /// The existing file is kept; the download goes to the next free `name_1.ext`.
    case rename
    /// The existing file (or link) is replaced by the verified download (`--overwrite`).
    case overwrite
}
