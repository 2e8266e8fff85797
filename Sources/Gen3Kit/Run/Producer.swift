import Logging

/// Claims a worker's rows: a batch at a time, each in one transaction, sized to the worker's fair
/// share of the due rows (`JobStore.fairClaimSize`) and bounded in bytes by the look-ahead
/// (`PresignAhead.lookaheadBytes`), so that a batch of large files does not sit claimed behind one
/// transfer. Claims run on a thread of their own (`ClaimAhead`), one batch ahead of the rows handed
/// out. After a claim that finds nothing it waits a moment before asking again, longer the longer
/// the job has had nothing for it (`emptyClaimPause(after:)`).
final class Producer {
    let owner: LeaseOwner
    let options: RunOptions
    let logger: Logger
    let hooks: TestHooks?
    /// Claimed rows not handed out yet.
    private var queue = FIFO<ClaimedFile>()
    private let ahead: ClaimAhead
    /// The last claim took a whole batch. One that took fewer was held to this worker's share of
    /// what is due or to the look-ahead's bytes: claiming ahead then would take rows that other
    /// workers should have, or large files that would sit claimed behind the transfers.
    private var lastWasWhole = false
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

    /// `claims` is the thread and session the claims run on, when the caller started it early
    /// (`ClaimAhead.init(location:connectNow:)`); by default one of its own on the job. `wake` is
    /// called from that thread when a claim has run (the worker's loop may be waiting on the
    /// network rather than on the claim: `next(now:wait:)`).
    init(
        store: JobStore, owner: LeaseOwner, options: RunOptions, claims: ClaimAhead? = nil, hooks: TestHooks? = nil,
        logger: Logger, wake: (() -> Void)? = nil
    ) {
        self.hooks = hooks
        self.owner = owner
        self.options = options
        self.logger = logger
        ahead = claims ?? ClaimAhead(location: store.location)
        if let wake { ahead.onClaimed(wake) }
    }

    /// Claimed rows are waiting to be handed out.
    var hasQueued: Bool { !queue.isEmpty }

    /// No claimed row is waiting to be handed out, and no claim is under way.
    var isEmpty: Bool { queue.isEmpty && !ahead.inFlight }

    /// The next claimed row; with none left, makes a claim if none is under way and, with `wait`,
    /// waits for it. nil when there is none for now, or, without `wait`, the claim has not run
    /// yet: a loop with transfers to move goes on with them, and `wake` says when it has.
    func next(now: Double, wait: Bool = true) throws -> ClaimedFile? {
        if queue.isEmpty {
            if !ahead.inFlight {
                guard now >= nextClaim else { return nil }
                startClaim(now: now)
            }
            try receive(ahead.take(wait: wait), now: now)
        } else {
            try receive(ahead.take(wait: false), now: now)
        }
        guard let file = queue.popFirst() else { return nil }
        // The next batch is claimed as soon as this one starts to be handed out.
        if lastWasWhole && !ahead.inFlight && queue.count < options.batchSize && now >= nextClaim { startClaim(now: now) }
        return file
    }

    private func startClaim(now: Double) {
        let (owner, options) = (owner, options)
        ahead.start { store in
            let limit = try store.fairClaimSize(batchSize: options.batchSize, workers: options.workers, now: now)
            return try store.claimBatch(
                owner: owner, limit: limit, maxBytes: PresignAhead.lookaheadBytes, leaseSeconds: options.leaseSeconds, now: now)
        }
    }

    private func receive(_ outcome: ClaimAhead.Outcome?, now: Double) throws {
        guard let outcome else { return }
        var rows = try outcome.result.get()
        claims += 1
        lastWasWhole = rows.count >= options.batchSize
        if !rows.isEmpty, hooks?.losesClaim() == true { rows.removeAll() }
        drained = rows.isEmpty
        if rows.isEmpty {
            let since = emptySince ?? now
            emptySince = since
            nextClaim = now + Self.emptyClaimPause(after: now - since)
            return
        }
        emptySince = nil
        // In tenths of a millisecond: a claim's time is what a job's size must not change.
        logger.debug("claimed \(rows.count) files in \((outcome.seconds * 10_000).rounded() / 10) ms")
        for row in rows { queue.append(row) }
    }

    /// The next call claims at once (a retry has come due).
    func claimSoon() { nextClaim = 0 }

    /// Forgets the rows not handed out, those of a claim under way too (it ends first);
    /// `JobStore.releaseClaims` gives them back.
    func dropQueued() {
        _ = ahead.take(wait: true)
        _ = queue.removeAll()
    }

    /// Ends the claims' thread, once nothing more will be claimed.
    func close() { ahead.close() }
}
