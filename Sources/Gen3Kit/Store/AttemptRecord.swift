/// How one attempt ended, as `attempts.outcome` stores it. Mirrors the CHECK on that column
/// (migration 0004); written only by `JobStore.record`.
package enum AttemptOutcome: String, CaseIterable, Sendable {
    /// Verified and at its final name (or found there with the right size and md5): the row is `done`.
    case done
    /// Counted as already there (`--skip-completed`): the row is `skipped`.
    case skipped
    /// Failed this time; the row is `pending` again until its next attempt is due.
    case retry
    /// Failed for good: the row is `failed`.
    case failed
    /// Handed back without using up an attempt (a stop, a fatal error elsewhere): the row is `pending`.
    case released
}

/// The outcome of one try at one file, as the completer writes it.
package struct AttemptRecord: Sendable {
    package enum Outcome: Sendable, Equatable {
        /// Verified and renamed to its final name.
        case done(md5: String)
        /// Already at its destination, verified without a request.
        case skipped
        /// Try again no earlier than `notBefore` (Unix seconds).
        case retry(notBefore: Double)
        /// Give up on this file.
        case failed
        /// Hand the row back without using up an attempt (shutdown, disk full, lost lease).
        case released
        /// Hand the row back without using up an attempt, due again at `until` (its commons asked
        /// for a pause with Retry-After).
        case deferred(until: Double)
    }

    /// The value `attempts.outcome` gets: `AttemptOutcome`.
    package var outcomeName: AttemptOutcome {
        switch outcome {
        case .done: return .done
        case .skipped: return .skipped
        case .retry: return .retry
        case .failed: return .failed
        case .released, .deferred: return .released
        }
    }

    package var fileID: Int64
    package var outcome: Outcome
    package var startedAt: Double
    package var finishedAt: Double
    package var httpStatus: Int?
    package var error: String?
    /// Bytes received in this attempt.
    package var bytesReceived: Int64
    /// Bytes of the file now on disk (final or partial).
    package var bytesOnDisk: Int64

    package init(
        fileID: Int64, outcome: Outcome, startedAt: Double, finishedAt: Double = Clock.now(),
        httpStatus: Int? = nil, error: String? = nil, bytesReceived: Int64 = 0, bytesOnDisk: Int64 = 0
    ) {
        self.fileID = fileID
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.httpStatus = httpStatus
        self.error = error
        self.bytesReceived = bytesReceived
        self.bytesOnDisk = bytesOnDisk
    }
}
