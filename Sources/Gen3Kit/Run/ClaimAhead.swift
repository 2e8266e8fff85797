/// Claims a worker's rows on a thread of its own, with a session of its own on the job: a claim
/// rewrites every row it takes, under the write lock (on PostgreSQL, a round trip or more), and on
/// the transfer loop every transfer would wait for it. The `Producer` asks for the next batch while
/// the last one still has files to hand out, so the loop seldom waits. One claim at a time.
package final class ClaimAhead {
    /// What a claim does with the session it is given.
    typealias Claim = (JobStore) throws -> [ClaimedFile]

    /// A claim's rows and how long it took, or why it failed.
    typealias Outcome = (result: Result<[ClaimedFile], Error>, seconds: Double)

    private let shared: Shared
    private var thread: JoinableThread?

    /// A claim was asked for and its outcome not taken.
    private(set) var inFlight = false

    /// `location` is the job's (`JobStore.location`); the session opens with the first claim, or,
    /// with `connectNow` and a job in PostgreSQL, at once: then its round trips to the server
    /// (connection, authentication, schema, clock) overlap those of the worker's own session
    /// instead of following them before the first claim. A failed open is tried again by the
    /// first claim, which reports its error. (A SQLite file opens in no time.)
    package init(location: String, connectNow: Bool = false) {
        shared = Shared(session: DeferredStore(location: location))
        if connectNow && JobLocation.isPostgres(location) {
            thread = JoinableThread { [shared] in shared.run(connectFirst: true) }
        }
    }

    deinit { close() }

    /// `wake` is called on the claims' thread each time a claim has run, after its outcome is
    /// ready to take.
    func onClaimed(_ wake: @escaping () -> Void) { shared.lock.locked { shared.wake = wake } }

    /// Starts `claim` on the thread. Only when no claim is in flight.
    func start(_ claim: @escaping Claim) {
        precondition(!inFlight, "one claim at a time")
        inFlight = true
        shared.lock.locked {
            shared.job = claim
            shared.lock.broadcast()
        }
        if thread == nil { thread = JoinableThread { [shared] in shared.run(connectFirst: false) } }
    }

    /// The claim's outcome once it is ready (with `wait`, once it is: the caller has nothing to do
    /// without it); nil when none is in flight, or, without `wait`, not ready yet.
    func take(wait: Bool) -> Outcome? {
        guard inFlight else { return nil }
        let taken: Outcome? = shared.lock.locked {
            while wait && shared.outcome == nil { shared.lock.wait() }
            defer { shared.outcome = nil }
            return shared.outcome
        }
        if taken != nil { inFlight = false }
        return taken
    }

    /// Waits for a claim in flight to end and stops the thread. The rows a claim took and nobody
    /// received are still claimed in the owner's name: `JobStore.releaseClaims` gives them back.
    func close() {
        _ = take(wait: true)
        guard let thread else { return }
        shared.lock.locked {
            shared.closing = true
            shared.lock.broadcast()
        }
        thread.join()
        self.thread = nil
        shared.lock.locked { shared.closing = false }
    }

    /// What the thread and the worker share, under `lock`; the session is the thread's alone.
    private final class Shared {
        let session: DeferredStore
        let lock = ConditionLock()
        var job: Claim?
        var outcome: Outcome?
        var closing = false
        var wake: (() -> Void)?

        init(session: DeferredStore) { self.session = session }

        func run(connectFirst: Bool) {
            if connectFirst { _ = try? session.store() }
            while let claim = nextJob() {
                let started = Clock.monotonic()
                let result = Result { try claim(try session.store()) }
                let wake: (() -> Void)? = lock.locked {
                    outcome = (result, Clock.monotonic() - started)
                    lock.broadcast()
                    return self.wake
                }
                wake?()
            }
        }

        private func nextJob() -> Claim? {
            lock.locked {
                while job == nil && !closing { lock.wait() }
                defer { job = nil }
                return job
            }
        }
    }
}
