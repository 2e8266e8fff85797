import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One worker: a loop over its roles. The `Producer` claims rows, `PresignAhead` asks Fence for
/// URLs in bulk ahead of need, the `JobExecutor` takes each file through its requests (what an
/// answer means is `AttemptPolicy`'s), up to `maxConcurrentRequests` transfers run on one curl
/// multi handle, and `Completion` makes finished files durable and commits their outcomes. The
/// loop also heartbeats the leases and stops cleanly on a stop request or a fatal error (releasing
/// what it holds, keeping partial files).
package final class Worker {
    /// How a worker ended; the process exit status the supervisor reads.
    package enum Exit: Equatable {
        /// No pending or claimed rows are left.
        case finished
        /// A signal asked it to stop.
        case stopped
        /// It cannot go on (disk full, key rejected): the message says what to fix.
        case fatal(String)

        /// The worker process's exit status (`WorkerInvocation`).
        func status(stop: RunStop) -> Int32 {
            switch self {
            case .finished: return 0
            case .stopped: return 128 + (stop.signal ?? SIGTERM)
            case .fatal: return WorkerInvocation.fatalStatus
            }
        }
    }

    /// Why the loop is stopping.
    enum StopReason: Equatable {
        /// A signal or a cancelled task: transfers in flight get the grace period.
        case requested
        /// Nothing more can be done here (disk full, key rejected): stop at once.
        case fatal(String)
    }

    let store: JobStore
    let options: RunOptions
    let owner: LeaseOwner
    let stop: RunStop
    let logger: Logger
    private let producer: Producer
    private let sessions: CommonsSessions
    private let resolver: CommonsResolver
    private let executor: JobExecutor
    private let presigner: PresignAhead
    private let completion: Completion
    private let multi: CurlMulti
    /// Files read back before their transfers (`OnDiskReader`); each takes a transfer slot meanwhile.
    private let reader: OnDiskReader<FileTask>
    private var active: [ObjectIdentifier: (task: FileTask, easy: CurlEasy, slots: Int)] = [:]
    /// Transfer slots the active requests take (`slots(for:)`), out of `maxConcurrentRequests`.
    private var usedSlots = 0
    private var stopReason: StopReason?
    /// Since when this worker has had nothing to do (nil: it has transfers).
    private var idleSince: Double?
    private var nextHeartbeat: Double = 0
    private var nextProgress: Double = 0
    /// New transfers wait for room in the renamer's queue (said once per wait, with `-vv`).
    private var waitingForRoom = false
    /// The last round of starting files ended on its time bound (`tookLong`), not for want of files.
    private var roundCut = false

    /// `tokens`, when given, is the provider of a token this process already has for these
    /// credentials and endpoint (`JobRun.verify`); the worker takes it over. `auth` finds the
    /// credentials of the other commons the job's files are in.
    package init(
        store: JobStore, settings: JobSettings, endpoint: String, credentials: Credentials, options: RunOptions,
        auth: CommonsAuth = CommonsAuth(), owner: LeaseOwner = .current, tokens: AccessTokenProvider? = nil, stop: RunStop,
        claims: ClaimAhead? = nil, resolverWarmup: ResolverWarmup? = nil, hooks: TestHooks? = nil, durability: Durability = Durability(),
        logger: Logger
    ) throws {
        let awaitingSync = try AwaitingSyncLimit(
            openFiles: OpenFileLimit.awaitingSync(limit: OpenFileLimit.raise(), maxConcurrentRequests: options.maxConcurrentRequests))
        self.store = store
        store.limitPageCache()
        self.options = options
        self.owner = owner
        self.stop = stop
        self.logger = logger
        var auth = auth
        for (commons, path) in try store.commonsCredentials() where auth.byCommons[commons] == nil { auth.byCommons[commons] = path }
        sessions = CommonsSessions(
            endpoint: endpoint, credentials: credentials, tokens: tokens, auth: auth, options: options,
            protocolName: settings.protocolName, logger: logger)
        resolver = CommonsResolver(
            store: store, endpoint: endpoint, resolverURL: options.resolver(settings: settings), options: options,
            connections: sessions.primary.tokens?.connections, warmup: resolverWarmup, logger: logger)
        let multi = try CurlMulti(maxTotalConnections: options.maxConcurrentRequests * 2)
        self.multi = multi
        producer = Producer(
            store: store, owner: owner, options: options, claims: claims, hooks: hooks, logger: logger, wake: { multi.wakeup() })
        executor = JobExecutor(store: store, settings: settings, options: options, hooks: hooks, durability: durability, logger: logger)
        presigner = PresignAhead(
            enabled: true, maxConcurrentRequests: options.maxConcurrentRequests,
            maxURLAge: hooks?.urlMaxAge ?? 60, logger: logger)
        reader = OnDiskReader(wake: { multi.wakeup() })
        completion = try Completion(
            store: store, owner: owner, directory: settings.downloadPath, groupSync: !options.syncEachFile,
            limit: awaitingSync, hooks: hooks, durability: durability, logger: logger, wake: { multi.wakeup() })
    }

    /// Runs until the job has nothing left for it.
    package func run() -> Exit {
        var stopDeadline: Double?
        // Every row claimed from now on gets a whole lease when it is claimed: the first heartbeat
        // is due a third of a lease from now, and the first progress report a second from now.
        let started = Clock.now()
        nextHeartbeat = started + options.leaseSeconds / 3
        nextProgress = started + 1
        do {
            while true {
                let now = Clock.now()
                if stopReason == nil && stop.requested { stopReason = .requested }
                if stopDeadline == nil, let stopReason {
                    stopDeadline = stopReason == .requested ? now + options.shutdownGrace : now
                    logger.info("stopping: \(active.count) transfers in flight")
                }
                if let deadline = stopDeadline, (active.isEmpty && !presigner.isAsking) || now >= deadline { break }
                if stopDeadline == nil { try startTransfers(now: now) }
                try multi.perform()
                let finished = multi.takeFinished()
                for (easy, code) in finished {
                    if presigner.owns(easy) {
                        switch presigner.finish(easy, code: code) {
                        case .alone(let tasks):
                            askAlone(tasks)
                        case .judge(let task):
                            apply(executor.handle(task, easy: easy, code: code), to: task)
                            executor.recycle(easy, phase: .presign, task: task)
                        }
                        continue
                    }
                    guard let entry = forget(easy) else { continue }
                    let phase = entry.task.phase
                    apply(executor.handle(entry.task, easy: easy, code: code), to: entry.task)
                    executor.recycle(easy, phase: phase, task: entry.task)
                }
                try takeReadBack()
                try recordWaitingRanges()
                try resolver.flush()
                resumePaused()
                collectDurable()
                try completion.flushIfDue()
                try heartbeat(now: now)
                try reportProgress(now: now)
                let claimedAll = producer.isEmpty && presigner.isEmpty && reader.isEmpty
                if active.isEmpty && completion.awaitingSync > 0 && claimedAll && !roundCut {
                    completion.waitForSync(timeout: 0.1)
                } else if active.isEmpty && completion.isFull {
                    completion.waitForRoom(timeout: 0.1)
                } else if active.isEmpty && claimedAll && stopDeadline == nil && stopReason == nil && !roundCut {
                    try completion.flush()
                    if try store.unfinishedCount() == 0 { break }
                    try releaseLostClaims()
                    idle(now: now)
                } else if (!active.isEmpty || presigner.isAsking || !reader.isEmpty) && finished.isEmpty {
                    // After requests finished, the next round starts what they made startable (URLs
                    // that came, slots that freed) at once: waiting for the network first would
                    // leave those idle until some other transfer moved, a whole round trip away.
                    multi.poll(timeoutMilliseconds: pollTimeout)
                }
                if !active.isEmpty { idleSince = nil }
            }
            try releaseEverything()
            try completion.flush()
            try resolver.flush()
        } catch {
            logger.error("job database error: \(error)")
            try? releaseEverything()
            try? completion.flush()
            reader.close()
            completion.close()
            producer.close()
            _ = try? store.releaseClaims(owner: owner)
            return .fatal("job database error: \(error)")
        }
        reader.close()
        completion.close()
        producer.close()
        let committed = completion.committed
        logger.info(
            "worker \(owner): \(committed.outcomes) outcomes in \(committed.transactions) transactions, \(producer.claims) claim transactions, \(presigner.urlsReceived) presigned URLs asked ahead (\(presigner.answered) bulk requests)"
        )
        if case .fatal(let message) = stopReason { return .fatal(message) }
        return stop.requested ? .stopped : .finished
    }

    /// Whether new work may start: not stopping.
    private var mayStart: Bool { stopReason == nil }

    /// Whether the loop may wait for a claim under way: only with nothing on the network to move
    /// meanwhile. Otherwise it goes back to its transfers and the claims' thread wakes it.
    private var mayWaitForClaim: Bool { active.isEmpty && !presigner.isAsking }

    private func startTransfers(now: Double) throws {
        // A file already coming in ranges gets free slots before new files start: it finishes
        // sooner, and holds its lease and part file until then.
        let growing = active.values.compactMap { $0.task.ranges?.wantsConnection == true ? $0.task : nil }
        for task in distinctTasks(growing) where mayStart {
            while freeSlots > 0, let easy = executor.nextRange(task) {
                do {
                    try add(easy, for: task)
                } catch {
                    task.ranges?.cancel(easy)
                    break
                }
            }
        }
        // Files awaiting their sync hold open files and memory: a slow disk pauses new transfers.
        let full = completion.isFull
        if full && !waitingForRoom { logger.debug("new transfers wait: \(completion.load) await the renamer's sync") }
        waitingForRoom = full
        let started = Clock.monotonic()
        defer { roundCut = tookLong(since: started) }
        while usedSlots < options.maxConcurrentRequests && mayStart && !completion.isFull && !tookLong(since: started) {
            if let ready = presigner.takeReady(now: now) {
                if let url = ready.url {
                    apply(executor.startDownload(ready.task, url: url), to: ready.task)
                } else {
                    presignAlone(ready.task, now: now)
                }
                continue
            }
            // Files wait for the bulk answers already out.
            guard presigner.hasRoom(freeSlots: freeSlots) else { break }
            try askBeforeClaiming(now: now)
            guard let file = try producer.next(now: now, wait: mayWaitForClaim) else { break }
            begin(file, now: now)
            try completion.flushIfDue()
        }
        // The next files ask for their URLs while the transfers before them run.
        while presigner.enabled && presigner.hasRoom(freeSlots: freeSlots) && mayStart && !tookLong(since: started) {
            try askBeforeClaiming(now: now)
            guard let file = try producer.next(now: now, wait: mayWaitForClaim) else { break }
            begin(file, now: now)
            try completion.flushIfDue()
        }
        for task in presigner.takePaused(now: now) { completion.record(executor.deferred(task, until: task.session.pauseUntil)) }
        if stopReason == nil { askInBulk(now: now) }
    }

    /// Files settled without a transfer (already there, refused, deferred) take no slot: unbounded,
    /// one round would claim a whole job of them, holding every outcome in memory uncommitted and
    /// heartbeating no lease. So their outcomes commit as batches fill (above), and a round starts
    /// files for a tenth of a second at most.
    private func tookLong(since started: Double) -> Bool { Clock.monotonic() - started > 0.1 }

    /// A claimed file's first step, once its commons is decided; a file of a commons that asked for
    /// a pause goes back to the table until the pause ends, and the others go on.
    private func begin(_ file: ClaimedFile, now: Double) {
        let id = DRSIdentifier(file.guid)
        let decision = resolver.decide(file, id: id, now: now)
        var session = sessions.session(for: decision.commons)
        var note = decision.note
        if session.lacksCredentials {
            note = session.refusal
            session = sessions.primary
        }
        let task = FileTask(file: file, session: session, resolution: note, objectID: id.objectID)
        if task.session.isPaused(now: now) {
            completion.record(executor.deferred(task, until: task.session.pauseUntil))
            return
        }
        apply(executor.start(task), to: task)
    }

    /// A file asks Fence for its URL on its own, unless its commons is paused.
    private func presignAlone(_ task: FileTask, now: Double = Clock.now()) {
        if task.session.isPaused(now: now) {
            completion.record(executor.deferred(task, until: task.session.pauseUntil))
        } else {
            apply(executor.presignOne(task), to: task)
        }
    }

    /// Lets the transfers `--limit-rate` paused go on while the bucket has room, the longest paused
    /// first. A transfer resumed takes its held bytes at once, so this order is who gets the
    /// bucket: a fixed one would starve the last transfers until the first ended, and the ranges
    /// of a file behind the others.
    private func resumePaused() {
        guard let limiter = executor.limiter, limiter.hasRoom() else { return }
        let paused = active.values.map(\.easy).filter(\.isPaused).sorted { $0.pausedAt < $1.pausedAt }
        for easy in paused {
            guard limiter.hasRoom() else { break }
            easy.resume()
        }
    }

    /// How long to wait for the network: less when paused transfers wait for the rate bucket.
    private var pollTimeout: Int {
        guard let limiter = executor.limiter, active.values.contains(where: { $0.easy.isPaused }) else { return 200 }
        return Int(max(1, min(200, limiter.wait() * 1000)))
    }

    /// Transfers that could start now.
    private var freeSlots: Int { max(0, options.maxConcurrentRequests - usedSlots) }

    /// Runs `easy` on the multi handle as `task`'s request, taking its slots.
    private func add(_ easy: CurlEasy, for task: FileTask) throws {
        try multi.add(easy)
        let slots = slots(for: task)
        active[ObjectIdentifier(easy)] = (task, easy, slots)
        usedSlots += slots
    }

    /// The active request `easy`, no longer active, its slots given back; nil if it was not.
    private func forget(_ easy: CurlEasy) -> (task: FileTask, easy: CurlEasy, slots: Int)? {
        guard let entry = active.removeValue(forKey: ObjectIdentifier(easy)) else { return nil }
        usedSlots -= entry.slots
        return entry
    }

    /// The slots a request takes: one, but a large body (`FileSinks.backgroundHashingThreshold`),
    /// which holds write buffers and threads of its own, takes as many as keep such bodies to
    /// `RunOptions.maxLargeTransfers` at once, so that many slots for small files do not become
    /// as many large files' buffers. A range request counts as one such body too: it holds a
    /// stage (`RangeReceiver`) and curl's receive buffer, and its file a hashing thread.
    private func slots(for task: FileTask) -> Int {
        guard task.phase == .download, (task.file.expectedSize ?? 0) >= FileSinks.backgroundHashingThreshold else { return 1 }
        return max(1, options.maxConcurrentRequests / RunOptions.maxLargeTransfers)
    }

    /// A whole bulk request's files ask for their URLs, and the request goes out, before the
    /// worker waits for its next claim: at the start, the look-ahead takes several claims, each a
    /// round trip to a PostgreSQL server. Fewer files wait for the look-ahead, as before.
    private func askBeforeClaiming(now: Double) throws {
        guard !producer.hasQueued && presigner.hasFullBatch && stopReason == nil else { return }
        askInBulk(now: now)
        if presigner.isAsking { try multi.perform() }
    }

    private func askInBulk(now: Double) {
        while true {
            switch presigner.dueRequest(freeSlots: freeSlots, now: now, moreComing: !producer.drained) {
            case .nothing:
                return
            case .request(let easy):
                do {
                    try multi.add(easy)
                } catch {
                    askAlone(presigner.abandon(easy))
                    return
                }
            case .alone(let tasks):
                askAlone(tasks)
                return
            }
        }
    }

    /// Files the bulk request did not get URLs for ask Fence one at a time.
    private func askAlone(_ tasks: [FileTask]) {
        let now = Clock.now()
        for task in tasks { presignAlone(task, now: now) }
    }

    private func apply(_ step: JobExecutor.Step, to task: FileTask) {
        defer { dropAbandonedRanges(of: task) }
        switch step {
        case .request(let easy):
            do {
                try add(easy, for: task)
            } catch {
                completion.record(executor.release(task, reason: "could not start a transfer: \(error)"))
            }
        case .continuing:
            break
        case .needsURL:
            // The commons may have turned bulk requests down since the run began.
            if presigner.enabled { presigner.add(task) } else { presignAlone(task) }
        case .finished(let record):
            completion.record(record)
        case .verified(let record):
            completion.submit(verified: task, record: record)
        case .readBack(let request):
            reader.submit(task, request)
            usedSlots += 1
        case .fatal(let message):
            if case .fatal = stopReason {
            } else {
                logger.error("\(message)")
                stopReason = .fatal(message)
            }
            completion.record(executor.release(task, reason: nil))
        }
    }

    /// Files `OnDiskReader` has read back go on; once the worker is stopping, they are released.
    private func takeReadBack() throws {
        for result in reader.takeFinished() {
            usedSlots -= 1
            logger.debug("read back \(result.request.path): \(result.read.map { "\($0.length) bytes" } ?? "nothing readable")")
            guard stopReason == nil else {
                completion.record(executor.release(result.item, reason: nil))
                continue
            }
            apply(executor.readBackFinished(result), to: result.item)
            try completion.flushIfDue()
        }
    }

    /// Holding nothing, a worker has no claimed row; one still claimed in its name is from a claim
    /// whose commit reached the database while its answer was lost (a PostgreSQL session cut at
    /// COMMIT, the claim then run again on a new one). The heartbeat would keep those rows from
    /// every other worker, and the run would never end: they go back to pending.
    private func releaseLostClaims() throws {
        guard try store.ownsClaims(owner: owner) else { return }
        let released = try store.releaseClaims(owner: owner)
        logger.warning("released \(released) files claimed in this worker's name that it never received (a claim whose answer was lost)")
    }

    /// Nothing to claim now: sleep until the next retry is due (or a Retry-After pause ends), at
    /// most `idlePause(after:)` so that other workers' rows and the job's end are noticed soon.
    private func idle(now: Double) {
        let since = idleSince ?? now
        idleSince = since
        let pause = Self.idlePause(after: now - since)
        var wake = now + pause
        if let due = (try? store.earliestPending()) ?? nil { wake = min(wake, max(due, now + 0.01)) }
        producer.claimSoon()
        usleep(UInt32(min(pause, max(0.001, wake - now)) * 1_000_000))
    }

    /// The longest sleep of a worker that has had nothing to do for `idle` seconds: a tenth of a
    /// second at first, a tenth of that time later, at most a second. Each round asks the database
    /// a few questions; on a cluster many workers wait through a long tail at once, and a short
    /// tail still ends within a tenth of a second of the last file.
    static func idlePause(after idle: Double) -> Double { min(1, max(0.1, idle / 10)) }

    private func heartbeat(now: Double) throws {
        guard now >= nextHeartbeat else { return }
        nextHeartbeat = now + options.leaseSeconds / 3
        try store.extendLeases(owner: owner, until: now + options.leaseSeconds)
    }

    /// Once a second, the bytes in-flight transfers have written, and how far ranged files' ranges are.
    private func reportProgress(now: Double) throws {
        guard now >= nextProgress else { return }
        nextProgress = now + 1
        let tasks = distinctTasks(active.values.map(\.task))
        let moving = tasks.compactMap { task -> (fileID: Int64, bytes: Int64)? in
            guard task.phase == .download, let sink = task.sink else { return nil }
            return (task.file.id, sink.written)
        }
        try store.updateBytesDone(moving)
        try executor.recordRanges(tasks)
    }

    /// Range requests paused at their checkpoint step (`RangedSink.mayWrite`) go on once the job
    /// database records their ranges.
    private func recordWaitingRanges() throws {
        let waiting = active.values.filter { ($0.easy.receiver as? RangeReceiver)?.waitsForRecord == true }
        guard !waiting.isEmpty else { return }
        try executor.recordRanges(distinctTasks(waiting.map(\.task)))
        executor.hooks?.afterRangeRecord()
        for entry in waiting { entry.easy.resume() }
    }

    /// Takes out of the multi handle the range requests the executor stopped for `task`. They are
    /// not reused: one of them may still wait in this round's finished list.
    private func dropAbandonedRanges(of task: FileTask) {
        guard let download = task.ranges else { return }
        for easy in download.takeAbandoned() {
            multi.remove(easy)
            _ = forget(easy)
        }
    }

    /// Each task once, in the order first seen: a file coming in ranges has an entry per request.
    private func distinctTasks(_ tasks: [FileTask]) -> [FileTask] {
        var seen = Set<ObjectIdentifier>()
        return tasks.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Turns what the renamer could not finish into retries or failures.
    private func collectDurable() {
        for problem in completion.takeProblems() {
            switch problem {
            case .checksumMismatch(let task, let actual, let status):
                apply(executor.checksumFailed(task, actual: actual, status: status), to: task)
            case .durability(let task, let error, let status):
                apply(executor.durabilityFailed(task, error, status: status), to: task)
            }
        }
    }

    /// Hands back every row this worker holds: files being synced finish first, in-flight transfers
    /// keep their part files.
    private func releaseEverything() throws {
        completion.waitForSync()
        collectDurable()
        var released = Set<ObjectIdentifier>()
        for (_, entry) in active {
            multi.remove(entry.easy)
            if released.insert(ObjectIdentifier(entry.task)).inserted { completion.record(executor.release(entry.task, reason: nil)) }
        }
        active.removeAll()
        usedSlots = 0
        for task in reader.cancelAll() { completion.record(executor.release(task, reason: nil)) }
        let held = presigner.takeAll()
        for request in held.requests { multi.remove(request) }
        for task in held.tasks { completion.record(executor.release(task, reason: nil)) }
        producer.dropQueued()
        try completion.flush()
        try store.releaseClaims(owner: owner)
    }
}
