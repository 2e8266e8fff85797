import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One worker process: claims batches of rows, runs up to `maxConcurrentRequests` transfers on one
/// curl multi handle, records outcomes in batches, heartbeats its leases, and stops cleanly on a
/// signal or a fatal error (releasing what it holds, keeping partial files).
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

    let store: JobStore
    let options: RunOptions
    let owner: LeaseOwner
    let stop: RunStop
    let logger: Logger
    private let executor: JobExecutor
    private let completer: JobCompleter
    private let multi: CurlMulti
    private let renamer: DurableRenamer
    private let presigner: PresignAhead
    private let checkpointer: Checkpointer
    /// Claimed rows not started yet.
    private var queue = FIFO<ClaimedFile>()
    private var active: [ObjectIdentifier: (task: FileTask, easy: CurlEasy)] = [:]
    private var nextClaim: Double = 0
    private var nextHeartbeat: Double = 0
    private var nextProgress: Double = 0
    private var claims = 0
    /// Finished files that may wait for their sync, each holding an open file (`OpenFileLimit`).
    private let maxAwaitingSync: Int

    /// `tokens`, when given, is the provider of a token this process already has for these
    /// credentials and endpoint (`JobContext.verify`); the worker takes it over.
    package init(
        store: JobStore, settings: JobSettings, endpoint: String, credentials: Credentials, options: RunOptions,
        owner: LeaseOwner = .current, tokens: AccessTokenProvider? = nil, stop: RunStop,
        hooks: TestHooks? = nil, logger: Logger
    ) throws {
        maxAwaitingSync = try OpenFileLimit.awaitingSync(limit: OpenFileLimit.raise(), maxConcurrentRequests: options.maxConcurrentRequests)
        self.store = store
        store.limitPageCache()
        self.options = options
        self.owner = owner
        self.stop = stop
        self.logger = logger
        let tokens = tokens ?? AccessTokenProvider(endpoint: endpoint, credentials: credentials, http: options.http)
        let requests = CommonsRequests(endpoint: endpoint, http: options.http, protocolName: settings.protocolName)
        executor = JobExecutor(
            requests: requests, tokens: tokens, store: store, settings: settings, options: options,
            hooks: hooks, logger: logger)
        presigner = PresignAhead(
            enabled: options.bulkURLs, maxConcurrentRequests: options.maxConcurrentRequests,
            requests: requests, tokens: tokens, maxURLAge: hooks?.urlMaxAge ?? 60, logger: logger)
        completer = JobCompleter(store: store, owner: owner, directory: settings.downloadPath)
        let multi = try CurlMulti(maxTotalConnections: options.maxConcurrentRequests * 2)
        self.multi = multi
        // The renamer commits what it made durable on a connection of its own, off the transfer loop.
        let recorderStore = try JobStore(path: store.connection.path, create: false)
        recorderStore.limitPageCache()
        checkpointer = try Checkpointer(path: store.connection.path)
        checkpointer.watch(store.connection)
        checkpointer.watch(recorderStore.connection)
        renamer = DurableRenamer(
            directory: settings.downloadPath, groupSync: !options.syncEachFile, hooks: hooks,
            recorder: { [logger] records in
                do {
                    try recorderStore.record(records, owner: owner)
                    return true
                } catch {
                    logger.warning(
                        "could not record \(records.count) finished files from the renamer, recording them from the worker: \(error)")
                    return false
                }
            },
            onResults: { multi.wakeup() })
    }

    /// Runs until the job has nothing left for it.
    package func run() -> Exit {
        var fatal: String?
        var stopDeadline: Double?
        do {
            while true {
                let now = Clock.now()
                if stopDeadline == nil && (stop.requested || fatal != nil) {
                    stopDeadline = fatal == nil ? now + options.shutdownGrace : now
                    logger.info("stopping: \(active.count) transfers in flight")
                }
                if let deadline = stopDeadline, (active.isEmpty && !presigner.isAsking) || now >= deadline { break }
                if stopDeadline == nil { try startTransfers(now: now, fatal: &fatal) }
                try multi.perform()
                for (easy, code) in multi.takeFinished() {
                    if presigner.owns(easy) {
                        askAlone(presigner.finish(easy, code: code), fatal: &fatal)
                        continue
                    }
                    guard let entry = active.removeValue(forKey: ObjectIdentifier(easy)) else { continue }
                    let phase = entry.task.phase
                    apply(executor.handle(entry.task, easy: easy, code: code), to: entry.task, fatal: &fatal)
                    executor.recycle(easy, phase: phase)
                }
                collectDurable(fatal: &fatal)
                try completer.flushIfDue()
                try heartbeat(now: now)
                try reportProgress(now: now)
                let claimedAll = queue.isEmpty && presigner.isEmpty
                if active.isEmpty && renamer.outstanding > 0 && (claimedAll || renamer.outstanding >= maxAwaitingSync) {
                    renamer.wait(timeout: 0.1)
                } else if active.isEmpty && claimedAll && stopDeadline == nil && fatal == nil {
                    try completer.flush()
                    if try store.unfinishedCount() == 0 { break }
                    idle(now: now)
                } else if !active.isEmpty || presigner.isAsking {
                    multi.poll(timeoutMilliseconds: 200)
                } else if now < executor.pauseUntil {
                    // Claimed rows wait out a Retry-After: nothing to poll for.
                    usleep(UInt32(min(0.1, executor.pauseUntil - now) * 1_000_000))
                }
            }
            try releaseEverything(fatal: &fatal)
            try completer.flush()
        } catch {
            logger.error("job database error: \(error)")
            try? releaseEverything(fatal: &fatal)
            try? completer.flush()
            renamer.close()
            checkpointer.close()
            _ = try? store.releaseClaims(owner: owner)
            return .fatal("job database error: \(error)")
        }
        renamer.close()
        checkpointer.close()
        logger.info(
            "worker \(owner): \(completer.recorded + renamer.recorded) outcomes in \(completer.commits + renamer.commits) transactions, \(claims) claim transactions, \(presigner.urlsReceived) presigned URLs from \(presigner.answered) bulk requests"
        )
        if let fatal { return .fatal(fatal) }
        return stop.requested ? .stopped : .finished
    }

    private func startTransfers(now: Double, fatal: inout String?) throws {
        // Each file awaiting its sync holds an open descriptor: a slow disk pauses new transfers.
        while active.count < options.maxConcurrentRequests && fatal == nil && now >= executor.pauseUntil
            && renamer.outstanding < maxAwaitingSync
        {
            if let ready = presigner.takeReady(now: now) {
                let step = ready.url.map { executor.startDownload(ready.task, url: $0) } ?? executor.presignOne(ready.task)
                apply(step, to: ready.task, fatal: &fatal)
                continue
            }
            // Files wait for the bulk answers already out.
            guard presigner.hasRoom(freeSlots: freeSlots), let task = try nextTask(now: now) else { break }
            apply(executor.start(task), to: task, fatal: &fatal)
        }
        // The next files ask for their URLs while the transfers before them run.
        while presigner.enabled && presigner.hasRoom(freeSlots: freeSlots) && fatal == nil && now >= executor.pauseUntil,
            let task = try nextTask(now: now)
        {
            apply(executor.start(task), to: task, fatal: &fatal)
        }
        if fatal == nil { askInBulk(fatal: &fatal) }
    }

    /// Transfers that could start now.
    private var freeSlots: Int { options.maxConcurrentRequests - active.count }

    /// The next claimed file, claiming a batch when none is left; nil when there is none for now.
    private func nextTask(now: Double) throws -> FileTask? {
        if queue.isEmpty {
            guard now >= nextClaim else { return nil }
            let limit = try store.fairClaimSize(batchSize: options.batchSize, workers: options.workers, now: now)
            queue = FIFO(
                try store.claimBatch(
                    owner: owner, limit: limit, maxBytes: PresignAhead.lookaheadBytes,
                    leaseSeconds: options.leaseSeconds, now: now))
            claims += 1
            if queue.isEmpty {
                nextClaim = now + 0.2
                return nil
            }
            logger.debug("claimed \(queue.count) files")
        }
        return queue.popFirst().map { FileTask(file: $0) }
    }

    private func askInBulk(fatal: inout String?) {
        while true {
            switch presigner.dueRequest(freeSlots: freeSlots) {
            case .nothing:
                return
            case .request(let easy):
                do {
                    try multi.add(easy)
                } catch {
                    askAlone(presigner.abandon(easy), fatal: &fatal)
                    return
                }
            case .alone(let tasks):
                askAlone(tasks, fatal: &fatal)
                return
            }
        }
    }

    /// Files the bulk request did not get URLs for ask Fence one at a time.
    private func askAlone(_ tasks: [FileTask], fatal: inout String?) {
        for task in tasks { apply(executor.presignOne(task), to: task, fatal: &fatal) }
    }

    private func apply(_ step: JobExecutor.Step, to task: FileTask, fatal: inout String?) {
        switch step {
        case .request(let easy):
            do {
                try multi.add(easy)
                active[ObjectIdentifier(easy)] = (task, easy)
            } catch {
                completer.add(executor.release(task, reason: "could not start a transfer: \(error)"))
            }
        case .needsURL:
            // The commons may have turned bulk requests down since the run began.
            if presigner.enabled { presigner.add(task) } else { apply(executor.presignOne(task), to: task, fatal: &fatal) }
        case .finished(let record):
            completer.add(record)
        case .verified(let record):
            renamer.submit(.init(task: task, record: record))
        case .fatal(let message):
            if fatal == nil { logger.error("\(message)") }
            fatal = fatal ?? message
            completer.add(executor.release(task, reason: nil))
        }
    }

    /// Nothing to claim now: sleep until the next retry is due (or a Retry-After pause ends), at
    /// most a tenth of a second so other workers' rows and signals are noticed soon.
    private func idle(now: Double) {
        var wake = now + 0.1
        if let due = (try? store.earliestPending()) ?? nil { wake = min(wake, max(due, now + 0.01)) }
        wake = max(wake, executor.pauseUntil)
        nextClaim = 0
        usleep(UInt32(min(0.1, max(0.001, wake - now)) * 1_000_000))
    }

    private func heartbeat(now: Double) throws {
        guard now >= nextHeartbeat else { return }
        nextHeartbeat = now + options.leaseSeconds / 3
        try store.extendLeases(owner: owner, until: now + options.leaseSeconds)
    }

    /// Once a second, the bytes in-flight transfers have written.
    private func reportProgress(now: Double) throws {
        guard now >= nextProgress else { return }
        nextProgress = now + 1
        let moving = active.values.compactMap { entry -> (fileID: Int64, bytes: Int64)? in
            guard entry.task.phase == .download, let sink = entry.task.sink else { return nil }
            return (entry.task.file.id, sink.written)
        }
        try store.updateBytesDone(moving)
    }

    /// Records the files the renamer has made durable, and what it could not finish.
    private func collectDurable(fatal: inout String?) {
        for result in renamer.takeResults() {
            let task = result.item.task
            if let actual = result.mismatchedMD5 {
                apply(executor.checksumFailed(task, actual: actual, status: result.item.record.httpStatus), to: task, fatal: &fatal)
            } else if let error = result.error {
                apply(executor.durabilityFailed(task, error, status: result.item.record.httpStatus), to: task, fatal: &fatal)
            } else if !result.recorded {
                completer.add(result.item.record, directorySynced: true)
            }
        }
    }

    /// Hands back every row this worker holds: files being synced finish first, in-flight transfers
    /// keep their part files.
    private func releaseEverything(fatal: inout String?) throws {
        renamer.wait()
        collectDurable(fatal: &fatal)
        for (_, entry) in active {
            multi.remove(entry.easy)
            completer.add(executor.release(entry.task, reason: nil))
        }
        active.removeAll()
        let held = presigner.takeAll()
        for request in held.requests { multi.remove(request) }
        for task in held.tasks { completer.add(executor.release(task, reason: nil)) }
        _ = queue.removeAll()
        try completer.flush()
        try store.releaseClaims(owner: owner)
    }
}
