import Logging

/// Claims a worker's rows: a batch at a time, each in one transaction, sized to the worker's fair
/// share of the due rows (`JobStore.fairClaimSize`) and bounded in bytes by the look-ahead
/// (`PresignAhead.lookaheadBytes`), so that a batch of large files does not sit claimed behind one
/// transfer. After a claim that finds nothing it waits a moment before asking again, longer the
/// longer the job has had nothing for it (`emptyClaimPause(after:)`).
final class Producer {
    let store: JobStore
    let owner: LeaseOwner
    let options: RunOptions
    let logger: Logger
    let hooks: TestHooks?
    /// Claimed rows not handed out yet.
    private var queue = FIFO<ClaimedFile>()
    private var nextClaim: Double = 0
    /// Claim transactions, for the worker's summary.
    private(set) var claims = 0
    /// The last claim found no row: the job has nothing more for this worker now (its last files
    /// need not wait for a full batch of others to ask for their URLs).
    private(set) var drained = false

    /// Since when claims have found nothing (nil: the last one found rows).
    private var emptySince: Double?

    /// Seconds before the next claim after one that found nothing, when claims have found nothing
    /// for `idle` seconds: a fifth of a second at first, a tenth of that time later, at most two
    /// seconds. A job's short tail ends as soon as before, while in a long one (a cluster's
    /// workers each waiting on its last large file) each worker asks the database a tenth as often.
    static func emptyClaimPause(after idle: Double) -> Double { min(2, max(0.2, idle / 10)) }

    init(store: JobStore, owner: LeaseOwner, options: RunOptions, hooks: TestHooks? = nil, logger: Logger) {
        self.store = store
        self.hooks = hooks
        self.owner = owner
        self.options = options
        self.logger = logger
    }

    /// Claimed rows are waiting to be handed out: `next` need not claim.
    var hasQueued: Bool { !queue.isEmpty }

    /// No claimed row is waiting to be handed out.
    var isEmpty: Bool { queue.isEmpty }

    /// The next claimed row, claiming a batch when none is left; nil when there is none for now.
    func next(now: Double) throws -> ClaimedFile? {
        if queue.isEmpty {
            guard now >= nextClaim else { return nil }
            let limit = try store.fairClaimSize(batchSize: options.batchSize, workers: options.workers, now: now)
            let started = Clock.monotonic()
            queue = FIFO(
                try store.claimBatch(
                    owner: owner, limit: limit, maxBytes: PresignAhead.lookaheadBytes, leaseSeconds: options.leaseSeconds, now: now))
            claims += 1
            if !queue.isEmpty, hooks?.losesClaim() == true { _ = queue.removeAll() }
            drained = queue.isEmpty
            if queue.isEmpty {
                let since = emptySince ?? now
                emptySince = since
                nextClaim = now + Self.emptyClaimPause(after: now - since)
                return nil
            }
            emptySince = nil
            // In tenths of a millisecond: a claim's time is what a job's size must not change.
            logger.debug("claimed \(queue.count) files in \(((Clock.monotonic() - started) * 10_000).rounded() / 10) ms")
        }
        return queue.popFirst()
    }

    /// The next call claims at once (a retry has come due).
    func claimSoon() { nextClaim = 0 }

    /// Forgets the rows not handed out; `JobStore.releaseClaims` gives them back.
    func dropQueued() { _ = queue.removeAll() }
}
