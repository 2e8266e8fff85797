#if canImport(Glibc)
    import Glibc
#endif

/// Crash points for the crash tests, which run the real binary. The command line builds one from
/// the environment when a test sets a variable (`fromEnvironment`) and injects it into the run;
/// otherwise there is none, and the run's hot paths only test an optional. At the chosen moment the
/// worker SIGKILLs its whole process group (supervisor and all workers):
/// - `GEN3_TEST_KILL_AFTER_RENAMES=N`: right after its Nth rename, before the outcome is committed —
///   the window a crash-safe resume must cover;
/// - `GEN3_TEST_KILL_AFTER_BYTES=N`: once N body bytes are written to their files, mid-transfer (a
///   large body's once its writer thread has written them, not when it buffered them: the kill
///   must leave what it counted in the part files);
/// - `GEN3_TEST_KILL_AFTER_RANGE_RECORDS=N`: right after the Nth record that ranges paused at their
///   checkpoint step waited for (`RangedSink.mayWrite`), before they go on: what it records must be
///   on disk already;
/// - `GEN3_TEST_WORKER_EXIT=N`: each worker process exits with status N as it starts, before it
///   claims anything (a worker that keeps crashing, for the supervisor's restart cap);
/// - `GEN3_TEST_RANGE_CHECKPOINT_BYTES=N`: a ranged file records its ranges' progress at least
///   every N bytes per range instead of `RangePlan.checkpointStep`, so that small test files do;
/// - `GEN3_TEST_LOSE_CLAIMS=N`: a worker forgets the rows of its first N claims that found any, as
///   if each claim's commit reached the database and its answer never came back (a PostgreSQL
///   session cut at COMMIT, which the reconnecting store runs again as a new claim);
/// - `GEN3_TEST_URL_MAX_AGE=S`: seconds a bulk-fetched presigned URL may wait for a slot
///   (`PresignAhead`); a negative value makes every such URL too old, without a test having to wait.
package final class TestHooks: @unchecked Sendable {
    let killAfterRenames: Int?
    let killAfterBytes: Int?
    let killAfterRangeRecords: Int?
    let urlMaxAge: Double?
    let loseClaims: Int?
    let rangeCheckpointBytes: Int64?
    /// The status a worker process exits with as it starts.
    package let workerExit: Int32?
    // Unchecked: `renames` is counted only on the renamer's thread, `rangeRecords` only on the
    // transfer loop's, and `bytes` under `bytesLock` (the loop and large bodies' writer threads).
    private var renames = 0
    private let bytesLock = ConditionLock()
    private var bytes = 0
    private var rangeRecords = 0
    private var lostClaims = 0

    package init(
        killAfterRenames: Int? = nil, killAfterBytes: Int? = nil, killAfterRangeRecords: Int? = nil, urlMaxAge: Double? = nil,
        rangeCheckpointBytes: Int64? = nil, workerExit: Int32? = nil, loseClaims: Int? = nil
    ) {
        self.loseClaims = loseClaims
        self.killAfterRangeRecords = killAfterRangeRecords
        self.workerExit = workerExit
        self.rangeCheckpointBytes = rangeCheckpointBytes
        self.killAfterRenames = killAfterRenames
        self.killAfterBytes = killAfterBytes
        self.urlMaxAge = urlMaxAge
    }

    /// The hooks the environment asks for, or nil when it asks for none.
    package static func fromEnvironment() -> TestHooks? {
        func setting(_ name: String) -> Int? { getenv(name).flatMap { Int(String(cString: $0)) } }
        let hooks = TestHooks(
            killAfterRenames: setting("GEN3_TEST_KILL_AFTER_RENAMES"),
            killAfterBytes: setting("GEN3_TEST_KILL_AFTER_BYTES"),
            killAfterRangeRecords: setting("GEN3_TEST_KILL_AFTER_RANGE_RECORDS"),
            urlMaxAge: setting("GEN3_TEST_URL_MAX_AGE").map(Double.init),
            rangeCheckpointBytes: setting("GEN3_TEST_RANGE_CHECKPOINT_BYTES").map(Int64.init),
            workerExit: setting("GEN3_TEST_WORKER_EXIT").map(Int32.init),
            loseClaims: setting("GEN3_TEST_LOSE_CLAIMS"))
        let none =
            hooks.killAfterRenames == nil && hooks.killAfterBytes == nil && hooks.urlMaxAge == nil && hooks.workerExit == nil
            && hooks.rangeCheckpointBytes == nil && hooks.killAfterRangeRecords == nil && hooks.loseClaims == nil
        return none ? nil : hooks
    }

    /// Whether a crash point is set. The supervisor then leads its own process group, so the kill
    /// takes the supervisor and its workers and nothing else (not the test runner).
    var killsProcessGroup: Bool { killAfterRenames != nil || killAfterBytes != nil || killAfterRangeRecords != nil }

    func afterRename() {
        guard let limit = killAfterRenames else { return }
        renames += 1
        if renames >= limit { kill(0, SIGKILL) }
    }

    func afterWrite(_ count: Int) {
        guard let limit = killAfterBytes else { return }
        let total = bytesLock.locked {
            bytes += count
            return bytes
        }
        if total >= limit { kill(0, SIGKILL) }
    }

    func afterRangeRecord() {
        guard let limit = killAfterRangeRecords else { return }
        rangeRecords += 1
        if rangeRecords >= limit { kill(0, SIGKILL) }
    }

    /// Whether the rows of this claim are to be forgotten (on the transfer loop's thread).
    func losesClaim() -> Bool {
        guard let limit = loseClaims, lostClaims < limit else { return false }
        lostClaims += 1
        return true
    }
}
