#if canImport(Glibc)
    import Glibc
#endif

/// The open files a worker needs, against the process's limit (`ulimit -n`, often 1,024): a socket
/// per connection, a file or two per transfer, and one per finished file waiting for its sync.
/// Running out mid-run made every file after that fail, and then the job database could not be
/// opened; instead the queue of files waiting for their sync shrinks to fit, and a run that cannot
/// fit at all stops before it claims anything.
package enum OpenFileLimit {
    /// Files the renamer may hold open awaiting their sync at least (below that the syncs stop
    /// being grouped); at most is `AwaitingSyncLimit`'s.
    static let minAwaitingSync = 16
    /// SQLite (three files for each of a worker's four connections), bulk requests, the
    /// manifest, standard streams, libraries.
    static let otherFiles = 64

    /// Raises the soft limit to the hard one, as any process may, and returns the limit in force.
    @discardableResult
    package static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Files per transfer: the multi handle keeps up to two connections per transfer, and a
    /// transfer writes a part file, a large one through a second, direct descriptor too.
    static let perTransfer = 4

    /// The transfers that fit under `limit`, at most `atMost` and at least one: the default when
    /// none is given, so that a low `ulimit -n` means fewer transfers rather than a refusal.
    package static func fittingTransfers(limit: Int, atMost: Int) -> Int {
        max(1, min(atMost, (limit - otherFiles - minAwaitingSync) / perTransfer))
    }

    /// How many finished files may hold a file open awaiting their sync under `limit`: what the
    /// transfers and the other files leave. Throws when not even `minAwaitingSync` fit.
    static func awaitingSync(limit: Int, maxConcurrentRequests: Int) throws -> Int {
        let reserved = otherFiles + minAwaitingSync
        guard limit - perTransfer * maxConcurrentRequests >= reserved else {
            throw RunError.tooFewOpenFiles(
                maxConcurrentRequests: maxConcurrentRequests, limit: limit,
                needed: perTransfer * maxConcurrentRequests + reserved,
                fitting: max(0, (limit - reserved) / perTransfer))
        }
        return limit - perTransfer * maxConcurrentRequests - otherFiles
    }

    /// EMFILE or ENFILE when this process can open no file now, nil when it can. libcurl reports a
    /// socket it could not open as a failure to connect, without the errno, so a request that could
    /// not connect asks this: out of files, every request after it would fail the same way.
    static func exhausted() -> Int32? {
        let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard fd < 0 else {
            close(fd)
            return nil
        }
        let code = errno
        return code == EMFILE || code == ENFILE ? code : nil
    }

    /// Raises the limit and checks that `maxConcurrentRequests` transfers fit under it.
    package static func check(maxConcurrentRequests: Int) throws {
        _ = try awaitingSync(limit: raise(), maxConcurrentRequests: maxConcurrentRequests)
    }
}
