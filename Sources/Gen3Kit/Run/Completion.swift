import Logging

/// Everything between the end of a file's last request and its committed outcome, for one worker:
/// the one home of the crash-safety rule.
///
/// **The rule.** A file's data is on disk before it gets its final name, and its name is on disk
/// before its outcome is committed. So after any crash, power cut or `kill -9`, a file at its final
/// name is complete and verified, and a row recorded `done` names a file that is there. The
/// opposite gap (named, not yet recorded) is closed by the next run, which finds the verified file
/// in place (`ExistingFileRule`) and records it without a request.
///
/// **Who does what.** A verified body goes to the renamer (`DurableRenamer`: two threads that write
/// it out, sync it, name it, sync the names, and commit the group on a connection of their own).
/// Any other outcome (retry, failed, released, skipped, done in place) is batched here and
/// committed on the worker's connection, after a directory sync when a `done` file did not pass
/// through the renamer. What the renamer made durable but could not commit is committed here too.
/// A checkpointer thread keeps both connections' WAL checkpoints off the transfer loop.
final class Completion {
    /// A verified body the renamer could not finish: the worker turns it into a retry or failure.
    enum Problem {
        case checksumMismatch(FileTask, actual: String, status: Int?)
        case durability(FileTask, SinkError, status: Int?)
    }

    private let completer: JobCompleter
    private let renamer: DurableRenamer
    /// A SQLite job's checkpoints (PostgreSQL has its own).
    private let checkpointer: Checkpointer?
    /// What finished files waiting for their sync may hold (`AwaitingSyncLimit`).
    let limit: AwaitingSyncLimit

    /// - Parameter wake: called on the renamer's threads when results are ready or the queue has
    ///   room (wakes the loop).
    init(
        store: JobStore, owner: LeaseOwner, directory: String, groupSync: Bool, limit: AwaitingSyncLimit,
        hooks: TestHooks? = nil, durability: Durability = Durability(), logger: Logger, wake: @escaping () -> Void
    ) throws {
        self.limit = limit
        completer = JobCompleter(store: store, owner: owner, directory: directory, durability: durability)
        // A PostgreSQL session takes round trips to open: the renamer opens its own when it first
        // commits, while the first transfers run. A SQLite connection opens at once, and its WAL
        // is watched from the start.
        let recorderStore = DeferredStore(location: store.location)
        if let worker = store.sqlite, let recorder = try recorderStore.store().sqlite {
            let checkpointer = try Checkpointer(path: worker.path)
            checkpointer.watch(worker)
            checkpointer.watch(recorder)
            self.checkpointer = checkpointer
        } else {
            checkpointer = nil
        }
        renamer = DurableRenamer(
            directory: directory, groupSync: groupSync, hooks: hooks, durability: durability,
            recorder: { records in
                do {
                    try recorderStore.store().record(records, owner: owner)
                    return true
                } catch {
                    logger.warning(
                        "could not record \(records.count) finished files from the renamer, recording them from the worker: \(error)")
                    return false
                }
            },
            recordsApart: Self.recordsApart(roundTrip: store.serverRoundTrip), onResults: wake)
    }

    /// Whether the renamer commits on a thread of its own (`DurableRenamer`'s `recordsApart`): for
    /// a job database `roundTrip` seconds away, from as far as a distant commons
    /// (`RunOptions.distantAnswerWait`), where a commit's round trip would hold the files behind it
    /// unnamed; nearer, and for SQLite (no round trip), a third thread's hand-offs cost more than
    /// they save (BENCHMARKS.md, a job database milliseconds away).
    static func recordsApart(roundTrip: Double?) -> Bool { (roundTrip ?? 0) >= RunOptions.distantAnswerWait }

    /// An outcome that names no new file: committed with the next batch.
    func record(_ record: AttemptRecord) { completer.add(record) }

    /// A verified body: synced, named, its name synced, then its outcome committed.
    func submit(verified task: FileTask, record: AttemptRecord) { renamer.submit(.init(task: task, record: record)) }

    /// Files handed to the renamer and not yet collected.
    var awaitingSync: Int { renamer.outstanding }

    /// What the files handed to the renamer and not yet named hold.
    var load: AwaitingSyncLimit.Load { renamer.load }

    /// No more files should be handed over until the renamer names or writes out some.
    var isFull: Bool { limit.isFull(renamer.load) }

    /// Collects what the renamer finished: records what it could not commit itself, and returns the
    /// files it could not finish.
    func takeProblems() -> [Problem] {
        var problems: [Problem] = []
        for result in renamer.takeResults() {
            let task = result.item.task
            let status = result.item.record.httpStatus
            if let actual = result.mismatchedMD5 {
                problems.append(.checksumMismatch(task, actual: actual, status: status))
            } else if let error = result.error {
                problems.append(.durability(task, error, status: status))
            } else if !result.recorded {
                // Named and its name synced by the renamer.
                completer.add(result.item.record, directorySynced: true)
            }
        }
        return problems
    }

    /// Blocks until the renamer has a result for every file, or `timeout` seconds pass.
    func waitForSync(timeout: Double = 3600) { renamer.wait(timeout: timeout) }

    /// Blocks until more files may be handed over (`isFull` is false), or `timeout` seconds pass:
    /// the renamer has written out or named some, not necessarily all.
    func waitForRoom(timeout: Double) {
        let limit = limit
        renamer.wait(timeout: timeout) { !limit.isFull($0) }
    }

    /// Commits the batch when it is full or old enough.
    func flushIfDue() throws { try completer.flushIfDue() }

    /// Commits the batch now.
    func flush() throws { try completer.flush() }

    /// Finishes the renamer's work and stops its threads and the checkpointer's.
    func close() {
        renamer.close()
        checkpointer?.close()
    }

    /// Outcomes committed, and in how many transactions (for the worker's summary).
    var committed: (outcomes: Int, transactions: Int) {
        (completer.recorded + renamer.recorded, completer.commits + renamer.commits)
    }
}
