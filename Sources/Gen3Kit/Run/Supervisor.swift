import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `gen3 run`: starts the worker processes, watches them (a dead worker's rows are released at once
/// and a replacement started, within a limit), forwards a stop, and reports progress.
///
/// A single worker runs on a thread of this process instead: a Swift process with libcurl and
/// SQLite loaded starts at about 30 MiB, so a supervisor plus one worker process would double the
/// memory for nothing. A crash then takes the whole run, which resumes like any other crash.
final class Supervisor {
    let store: JobStore
    let options: RunOptions
    let processes: WorkerProcesses?
    let makeWorker: () throws -> Worker
    let stop: RunStop
    let hooks: TestHooks?
    let logger: Logger
    private var children: [pid_t: ProcessSpawner.Child] = [:]
    private var restarts = 0
    private var fatal: String?
    private var forwardedStop = false
    private var lastProgress = 0.0
    private var progressInterval = 0.5

    /// - Parameters:
    ///   - processes: how to start a worker process; without it one worker runs in this process
    ///     whatever `options.workers` says.
    ///   - makeWorker: builds the worker that runs in this process when `options.workers` is 1
    ///     (on a connection of its own).
    init(
        store: JobStore, options: RunOptions, processes: WorkerProcesses?, stop: RunStop, hooks: TestHooks? = nil,
        logger: Logger, makeWorker: @escaping () throws -> Worker
    ) {
        self.hooks = hooks
        self.store = store
        self.options = options
        self.processes = processes
        self.makeWorker = makeWorker
        self.stop = stop
        self.logger = logger
    }

    /// Runs the job until no work is left, a stop signal, or a fatal error (thrown).
    /// `onProgress` is called a few times a second with the counts from the database.
    /// `startingCounts`: the job's counts as the caller just read them, shown first instead of
    /// reading them again; `downloadPath`: the job's, from the settings the caller read.
    func run(downloadPath: String, onProgress: ((JobProgress) -> Void)? = nil, startingCounts: JobProgress? = nil) throws -> RunResult {
        store.limitPageCache()
        if hooks?.killsProcessGroup == true { setpgid(0, 0) }
        // Before anything is claimed; worker processes inherit the raised limit.
        try OpenFileLimit.check(maxConcurrentRequests: options.maxConcurrentRequests)
        try checkDownloadPath(downloadPath)
        let rescued = try JobRescuer.releaseDeadLocalOwners(store)
        if rescued > 0 { logger.info("released \(rescued) files claimed by workers that are gone") }
        let unfinished = try store.unfinishedCount()
        // The first counts, before any work: the rate a display shows is measured from them.
        if unfinished > 0 { reportProgress(onProgress, counts: startingCounts) }
        guard options.workers > 1, let processes else {
            if unfinished > 0 { try runInProcess(makeWorker(), onProgress: onProgress) }
            return try finish(onProgress: onProgress)
        }
        for _ in 0..<min(options.workers, unfinished) { try spawnWorker(processes) }
        while !children.isEmpty {
            if stop.requested && !forwardedStop { forwardStop() }
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid > 0, let child = children.removeValue(forKey: pid) {
                try workerExited(child, status: status, processes: processes)
                continue
            }
            reportProgress(onProgress)
            usleep(20_000)
        }
        return try finish(onProgress: onProgress)
    }

    private func runInProcess(_ worker: Worker, onProgress: ((JobProgress) -> Void)?) throws {
        final class Outcome { var exit = Worker.Exit.finished }
        let outcome = Outcome()
        let thread = JoinableThread { outcome.exit = worker.run() }
        // Woken by the worker's end, not a polling interval: a short job would wait out the rest of it.
        while !thread.waitUntilFinished(seconds: 0.1) {
            reportProgress(onProgress)
        }
        thread.join()
        if case .fatal(let message) = outcome.exit { fatal = message }
    }

    /// The counts are a few rows (`file_counts`), but a PostgreSQL server may be a long round trip
    /// away: polled at most twice a second, spending at most a tenth of this process's time on it.
    private func reportProgress(_ onProgress: ((JobProgress) -> Void)?, counts: JobProgress? = nil) {
        let now = Clock.monotonic()
        guard let onProgress, now - lastProgress >= progressInterval else { return }
        if let progress = counts ?? (try? store.progress()) { onProgress(progress) }
        lastProgress = Clock.monotonic()
        progressInterval = max(0.5, (lastProgress - now) * 10)
    }

    private func finish(onProgress: ((JobProgress) -> Void)?) throws -> RunResult {
        if let fatal { throw RunError.workerFatal(fatal) }
        let progress = try store.progress()
        onProgress?(progress)
        return RunResult(
            progress: progress, failures: try store.failures(limit: 20), stoppedBy: stop.signal,
            cancelled: stop.cancelled)
    }

    private func spawnWorker(_ processes: WorkerProcesses) throws {
        let child = try ProcessSpawner.spawn(
            processes.executable, arguments: processes.arguments,
            environment: processes.environment)
        children[child.pid] = child
        logger.debug("started worker \(child.pid)")
    }

    private func workerExited(_ child: ProcessSpawner.Child, status: Int32, processes: WorkerProcesses) throws {
        let report = ProcessSpawner.readReport(child.reportFD)
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        if exited && code == 0 { return }
        if exited && code == WorkerInvocation.fatalStatus {
            fatal = fatal ?? (report.isEmpty ? "a worker stopped on an error" : report)
            forwardStop()
            return
        }
        // Told to stop by the user: it gave its rows back itself.
        if exited && stop.requested { return }
        // Stopped by this supervisor after another worker's fatal error, with the status that says
        // so: no news. Any other end after that is still a crash, and said.
        if exited && forwardedStop && code == 128 + SIGTERM {
            try store.releaseClaims(owner: LeaseOwner(pid: child.pid, started: child.started))
            return
        }
        // Crashed (a signal, or an exit we did not plan): its rows go back at once.
        let owner = LeaseOwner(pid: child.pid, started: child.started)
        let released = try store.releaseClaims(owner: owner)
        let how = exited ? "exited with status \(code)" : "was killed by signal \(status & 0x7f)"
        logger.warning("worker \(child.pid) \(how); released \(released) files")
        guard !stop.requested, fatal == nil, try store.unfinishedCount() > 0 else { return }
        restarts += 1
        guard restarts <= options.restartsPerWorker * max(1, options.workers) else {
            fatal = RunError.workersKeepCrashing(restarts: restarts - 1).localizedDescription
            forwardStop()
            return
        }
        try spawnWorker(processes)
    }

    private func forwardStop() {
        forwardedStop = true
        for pid in children.keys { kill(pid, SIGTERM) }
    }

    private func checkDownloadPath(_ path: String) throws {
        guard FilePaths.makeDirectories(path) else {
            throw RunError.downloadPathUnusable(path, reason: String(cString: strerror(errno)))
        }
        guard access(path, W_OK) == 0 else {
            throw RunError.downloadPathUnusable(path, reason: String(cString: strerror(errno)))
        }
    }
}
