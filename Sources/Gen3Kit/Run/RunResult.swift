#if canImport(Glibc)
    import Glibc
#endif

/// How a run ended, for the summary, the exit status and the report.
package struct RunResult: Sendable {
    package var progress: JobProgress
    /// The first failures with their reasons (all of them are in the `failures` view).
    package var failures: [FailedFile]
    /// The signal that stopped the run, if one did.
    package var stoppedBy: Int32?
    /// The calling `Task` was cancelled (the Swift API), and the run stopped as a SIGTERM stops it.
    package var cancelled = false

    /// 0 when every row is done or skipped, 1 when any failed (or work is left), 130/143 when stopped.
    package var exitStatus: Int32 {
        if let stoppedBy { return 128 + stoppedBy }
        if cancelled { return 128 + SIGTERM }
        if progress.count(.failed) > 0 { return 1 }
        return progress.count(.pending) + progress.count(.claimed) > 0 ? 1 : 0
    }
}
