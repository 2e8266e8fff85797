import ArgumentParser
import Foundation
import Gen3Kit

/// How the job is worked through: shared by `run`, `download-multiple-async` and the workers.
struct RunFlags: ParsableArguments {
    @Option(
        name: [.customLong("workers"), .customLong("num-processes")],
        help: "Workers. 1 (the default) runs inside this process; more run as separate processes, for more CPU (see BENCHMARKS.md).")
    var workers: Int?

    @Option(
        name: [.customLong("max-concurrent-requests"), .customLong("numparallel")],
        help:
            "Transfers each worker runs at once; files of 8 MiB or more take several slots each, so at most 16 of them run at once. Each may hold up to 4 open files. Default: 128, or 256 when the commons takes 10 ms or more to answer the token request (it is far away: each transfer moves about one small file per round trip), or as many as the open-file limit (ulimit -n) allows. --numparallel is gen3-client's name for it."
    )
    var maxConcurrentRequests: Int?

    @Option(
        help:
            "Connections one large file may use at once: a file larger than --range-threshold is fetched as byte ranges on up to this many. 1 fetches every file on one connection."
    )
    var maxConnectionsPerFile = RunOptions().maxConnectionsPerFile

    @Option(
        help: ArgumentHelp(
            "Files larger than this are fetched in ranges on several connections: 64M, 1G (K, M, G: 1024s).", valueName: "size"))
    var rangeThreshold = "64M"

    @Option(
        help: ArgumentHelp(
            "Rows a worker claims per transaction, at most.",
            discussion:
                "Larger claims save round trips to a distant PostgreSQL server; smaller ones share a small job among several machines more evenly, and leave fewer files waiting for --lease-seconds when a machine dies.",
            valueName: "rows"))
    var batchSize = RunOptions().batchSize

    @Option(help: "Tries per file before it is marked failed.")
    var maxAttempts = RunOptions().retry.maxAttempts

    @Option(help: "Seconds before the first retry; doubles each time, with jitter.")
    var retryBaseDelay = RunOptions().retry.baseDelay

    @Option(help: "Longest wait between retries, in seconds.")
    var retryMaxDelay = RunOptions().retry.maxDelay

    @Option(help: "Seconds a claim holds without a heartbeat before another worker may take the file.")
    var leaseSeconds = RunOptions().leaseSeconds

    @Option(help: "Seconds below 1 KiB/s before a transfer counts as stalled and is retried.")
    var stallTimeout = RunOptions().http.stallSeconds

    @Option(help: "Seconds to wait for a connection.")
    var connectTimeout = RunOptions().http.connectTimeout

    @Flag(
        help:
            "Count a file already at its destination as skipped when its size matches and no md5 is known. (One whose size and md5 match is recorded done, flag or not.)"
    )
    var skipCompleted = false

    @Flag(
        help:
            "Replace a file at a destination that this job did not write and that is not the expected file. Without it (or --rename) such a file is left as it is and that download fails, saying so."
    )
    var overwrite = false

    @Flag(
        help:
            "Sync each file to disk on its own instead of one file-system sync per group of finished files (slower for small files; for disks shared with heavy writers)."
    )
    var syncEachFile = false

    @Flag(
        help:
            "Ask Fence for one presigned URL per request, even where it answers many at once (POST /user/data/download/bulk, used by default when the commons has it)."
    )
    var noBulkUrls = false

    @Option(
        help: ArgumentHelp(
            "Cap the whole run's download rate (all transfers and worker processes together), in bytes per second: 500K, 50M, 1G (K, M, G: 1024s).",
            valueName: "rate"))
    var limitRate: String?

    @Flag(help: "Start even when the download directory's file system has less free space than the files left need.")
    var ignoreFreeSpace = false

    @Flag(help: "Do not verify TLS certificates (prints a warning). Only for a test commons with a self-signed certificate.")
    var insecure = false

    @Option(
        help: ArgumentHelp(
            "The DRS resolver asked which commons a GUID prefix is in when the job's commons' metadata service does not know ('none': ask none). Default: the job's, else https://dataguids.org.",
            valueName: "url"))
    var drsResolver: String?

    @Option(help: "Seconds a resolver's answer stays in the job's cache before it is asked again.")
    var resolverCacheAge = RunOptions().resolverCacheAge

    @Option(
        help: ArgumentHelp(
            "The Workspace Token Service for --auth idp://wts/<idp> inside a Gen3 Workspace. Default: the endpoint + /wts.",
            valueName: "url"))
    var wtsURL: String?

    var options: RunOptions {
        var options = RunOptions()
        options.workers = max(1, workers ?? RunOptions().workers)
        options.maxConcurrentRequests =
            maxConcurrentRequests.map { max(1, $0) }
            ?? OpenFileLimit.fittingTransfers(limit: OpenFileLimit.raise(), atMost: RunOptions().maxConcurrentRequests)
        if maxConcurrentRequests == nil {
            options.distantMaxConcurrentRequests = OpenFileLimit.fittingTransfers(
                limit: OpenFileLimit.raise(), atMost: RunOptions.defaultDistantMaxConcurrentRequests)
        }
        options.batchSize = max(1, batchSize)
        options.retry = RetryPolicy(
            maxAttempts: max(1, maxAttempts), baseDelay: max(0, retryBaseDelay),
            maxDelay: max(0, retryMaxDelay))
        options.leaseSeconds = max(1, leaseSeconds)
        options.http.stallSeconds = max(1, stallTimeout)
        options.http.connectTimeout = max(0.1, connectTimeout)
        options.skipCompleted = skipCompleted
        options.existingFiles = overwrite ? .overwrite : .refuse
        options.syncEachFile = syncEachFile
        options.checkFreeSpace = !ignoreFreeSpace
        options.maxBytesPerSecond = limitRate.flatMap(Self.bytesPerSecond)
        options.bulkURLs = !noBulkUrls
        options.maxConnectionsPerFile = max(1, maxConnectionsPerFile)
        options.rangeThreshold = Self.byteCount(rangeThreshold) ?? RunOptions().rangeThreshold
        options.http.verifyTLS = !insecure
        options.drsResolver = drsResolver.map { (try? RunOptions.resolverURL($0)) ?? $0 }
        options.resolverCacheAge = max(0, resolverCacheAge)
        options.wtsURL = wtsURL.map { (try? Endpoint.normalize($0)) ?? $0 }
        return options
    }

    /// `50M` as bytes per second (K, M, G, T: powers of 1024; a trailing B or /s is allowed).
    static func bytesPerSecond(_ text: String) -> Int64? {
        var value = text.trimmingCharacters(in: .whitespaces).uppercased()
        if value.hasSuffix("/S") { value.removeLast(2) }
        return byteCount(value)
    }

    /// `64M` as bytes (K, M, G, T: powers of 1024; a trailing B is allowed); at least 1.
    static func byteCount(_ text: String) -> Int64? {
        var value = text.trimmingCharacters(in: .whitespaces).uppercased()
        if value.hasSuffix("IB") { value.removeLast(2) } else if value.hasSuffix("B") { value.removeLast() }
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var scale = 1.0
        if let last = value.last, let unit = units[last] {
            scale = unit
            value.removeLast()
        }
        guard let number = Double(value), number > 0, number * scale >= 1 else { return nil }
        return Int64(number * scale)
    }

    func validate() throws {
        if let limitRate, Self.bytesPerSecond(limitRate) == nil {
            throw ValidationError("--limit-rate takes a rate such as 500K, 50M or 1G (bytes per second), not \(limitRate)")
        }
        if Self.byteCount(rangeThreshold) == nil {
            throw ValidationError("--range-threshold takes a size such as 64M or 1G, not \(rangeThreshold)")
        }
        if maxConnectionsPerFile < 1 { throw ValidationError("--max-connections-per-file must be at least 1") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let maxConcurrentRequests, maxConcurrentRequests < 1 { throw ValidationError("--max-concurrent-requests must be at least 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
    }
}
