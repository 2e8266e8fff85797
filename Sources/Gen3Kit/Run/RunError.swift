import Foundation

/// Why `gen3 run` could not start or had to stop (exit status 2).
public enum RunError: Error, LocalizedError, Equatable {
    /// The download directory cannot be created or written.
    case downloadPathUnusable(String, reason: String)
    /// A worker process could not be started.
    case spawnFailed(String)
    /// Workers kept dying: a crash loop ends here.
    case workersKeepCrashing(restarts: Int)
    /// A worker stopped the job (full disk, rejected key); the message says what to fix.
    case workerFatal(String)
    /// The open-file limit is too low for this many transfers (`OpenFileLimit`).
    case tooFewOpenFiles(maxConcurrentRequests: Int, limit: Int, needed: Int, fitting: Int)
    /// The download directory's file system has too little free space for what is left to download.
    case notEnoughSpace(path: String, needed: Int64, free: Int64)
    /// `gen3 worker` was started with arguments `JobRun` does not make (it is not for direct use).
    case badWorkerArguments(String)

    /// What went wrong and what to do about it.
    public var errorDescription: String? {
        switch self {
        case .downloadPathUnusable(let path, let reason):
            return "cannot use the download directory \(path): \(reason)"
        case .spawnFailed(let reason):
            return "could not start a worker process: \(reason)"
        case .workersKeepCrashing(let restarts):
            return "worker processes crashed \(restarts) times; stopping. Run with -vv to see why, then run again: finished files are kept"
        case .workerFatal(let message):
            return message
        case .tooFewOpenFiles(let requests, let limit, let needed, let fitting):
            let fix = fitting > 0 ? "use --max-concurrent-requests \(fitting) or less, or raise the limit" : "raise the limit"
            return
                "--max-concurrent-requests \(requests) needs at least \(needed) open files, and this process may open \(limit) (ulimit -n): \(fix); no file was claimed"
        case .notEnoughSpace(let path, let needed, let free):
            return
                "not enough free space in \(path): the files left need \(ByteCount.format(needed)) and \(ByteCount.format(free)) is free, \(ByteCount.format(needed - free)) short; free some space, or pass --ignore-free-space to start anyway (a full disk stops the run cleanly and keeps what was downloaded)"
        case .badWorkerArguments(let detail):
            return "gen3 worker is started by gen3 run, not by hand: \(detail)"
        }
    }
}
