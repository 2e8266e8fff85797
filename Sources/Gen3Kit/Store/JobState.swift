/// Where a file stands in the job. Mirrors the CHECK on `files.state`.
public enum JobState: String, CaseIterable, Sendable {
    /// Waiting to be claimed once `next_attempt_at` has passed. Set by import, by a retry, by the
    /// rescuer (expired lease), by the supervisor when a worker dies, and by `gen3 retry`.
    case pending
    /// Held by one worker until `lease_expires_at`; moved on only by that worker or the rescuer.
    case claimed
    /// Verified (size and md5) and at its final name. Final.
    case done
    /// Gave up: a permanent error or `--max-attempts` used. `gen3 retry` puts it back to pending.
    case failed
    /// Already at its destination before the job fetched it (`--skip-completed`). Final.
    case skipped
}
