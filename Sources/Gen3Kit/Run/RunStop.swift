/// What asks a run to stop early, read by the loops that must notice it (the supervisor, each
/// worker). The command line stops on SIGINT/SIGTERM (`StopSignal`, handlers installed only when a
/// run starts); the Swift API installs no handlers in its host program and stops when the calling
/// `Task` is cancelled.
package final class RunStop: @unchecked Sendable {
    /// Where a stop can come from.
    package enum Source: Sendable {
        /// SIGINT and SIGTERM to this process.
        case signals
        /// Only `cancel()`.
        case cancellation
    }

    package let source: Source
    // Guarded by `lock`: set by the cancelling task's thread, read by the run's threads.
    private let lock = ConditionLock()
    private var cancelledFlag = false

    package init(_ source: Source) { self.source = source }

    /// Installs the signal handlers when this stop listens for signals; call it as the run starts,
    /// so that a Ctrl-C before it (at a prompt) ends the process as usual.
    package func arm() {
        if source == .signals { StopSignal.install() }
    }

    /// Asks the run to stop as a SIGTERM would: transfers get their grace period, rows go back.
    package func cancel() {
        lock.locked { cancelledFlag = true }
    }

    /// Whether anything asked the run to stop.
    package var requested: Bool { signal != nil || cancelled }

    /// Whether `cancel()` was called.
    package var cancelled: Bool { lock.locked { cancelledFlag } }

    /// The signal that asked the run to stop, when one did.
    package var signal: Int32? {
        source == .signals && StopSignal.requested ? StopSignal.number : nil
    }
}
