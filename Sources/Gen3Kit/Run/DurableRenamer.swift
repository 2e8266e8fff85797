import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// Makes verified files durable on threads of its own: one writes out bodies held in memory, the
/// other syncs a group's data, gives each file its final name, then syncs the names once for the
/// group (and commits their outcomes, unless a third thread does: `recordsApart`).
/// Creating and syncing files waits for the disk; done on the transfer loop it left the
/// connections idle, so the loop hands files over and collects the results when they are ready.
/// The order per file is unchanged: nothing reaches its final name before its data is on disk, and
/// its outcome is committed only after its name is on disk too.
final class DurableRenamer {
    struct Item {
        let task: FileTask
        var record: AttemptRecord
    }

    struct Result {
        var item: Item
        /// Why the sync or rename failed; nil when the file is at its final name.
        var error: SinkError?
        /// The md5 of a body that did not match the expected one (`FileTask.md5Deferred`): the file
        /// was not written.
        var mismatchedMD5: String?
        /// The outcome is committed already (by the `Recorder`).
        var recorded = false
    }

    /// Commits the outcomes of files the renamer has just made durable, in one transaction; false
    /// when it could not (the worker then records them itself).
    typealias Recorder = ([AttemptRecord]) -> Bool

    /// A group whose bodies are checked and written, waiting for its sync.
    fileprivate struct Written {
        var items: [Item]
        var errors: [SinkError?]
        var mismatches: [String?]

        init(items: [Item]) {
            self.items = items
            errors = .init(repeating: nil, count: items.count)
            mismatches = .init(repeating: nil, count: items.count)
        }

        init(merging groups: [Written]) {
            items = groups.flatMap(\.items)
            errors = groups.flatMap(\.errors)
            mismatches = groups.flatMap(\.mismatches)
        }

        /// Runs one step on a file that has had no error yet, and keeps the error it throws.
        mutating func step(_ index: Int, directory: String, path: (any FileSink) -> String, _ body: (any FileSink) throws -> Void) {
            guard errors[index] == nil else { return }
            guard let sink = items[index].task.sink else {
                errors[index] = .file(path: directory, errno: EBADF)
                return
            }
            do { try body(sink) } catch let error as SinkError { errors[index] = error } catch {
                errors[index] = .file(path: path(sink), errno: EIO)
            }
        }
    }

    /// What the threads share. They hold it, not this object, so that dropping this object still
    /// runs its deinit, which stops and joins them.
    private let lanes: Lanes
    private var writer: JoinableThread?
    private var syncer: JoinableThread?
    private var recorderThread: JoinableThread?

    /// `onResults` runs on the renamer's threads after each group is written out and after each is
    /// made durable (to wake the transfer loop: there is room in the queue, or results to collect).
    /// `groupSync` makes a group durable with one file-system sync instead of one sync per file.
    /// With a `recorder`, the outcomes of the files named are committed here, after their group's
    /// last sync: the transfer loop spends no time on them. With `recordsApart` they are committed
    /// on a thread of their own while the syncer goes on with the next group: for a job database
    /// far enough that a commit's round trip would hold the files behind it unnamed
    /// (`Completion.recordsApart` decides). `hooks` are the crash tests', when injected.
    init(
        directory: String, groupSync: Bool = true, hooks: TestHooks? = nil, durability: Durability = Durability(),
        recorder: Recorder? = nil, recordsApart: Bool = false, onResults: @escaping () -> Void
    ) {
        lanes = Lanes(
            directory: directory, groupSync: groupSync, hooks: hooks, durability: durability, recorder: recorder,
            recordsApart: recordsApart, onResults: onResults)
    }

    deinit { close() }

    /// Files handed over and not yet collected with `takeResults`.
    var outstanding: Int { lanes.outstanding }

    /// What the files handed over and not yet named hold (`AwaitingSyncLimit`).
    var load: AwaitingSyncLimit.Load { lanes.load }

    /// Outcomes the recorder committed, and in how many transactions (for the worker's summary;
    /// read after `close`).
    var recorded: Int { lanes.recorded }
    var commits: Int { lanes.commits }

    func submit(_ item: Item) {
        startIfNeeded()
        lanes.submit(item)
    }

    func takeResults() -> [Result] { lanes.takeResults() }

    /// Blocks until every submitted file has a result, or `timeout` seconds pass.
    func wait(timeout: Double = 3600) { lanes.waitForResults(timeout: timeout) }

    /// Blocks until the files handed over and not yet named hold only what `enough` allows, or
    /// `timeout` seconds pass.
    func wait(timeout: Double, until enough: (AwaitingSyncLimit.Load) -> Bool) { lanes.wait(timeout: timeout, until: enough) }

    /// Finishes what was handed over and stops the threads.
    func close() {
        guard let writer, let syncer else { return }
        lanes.finish()
        writer.join()
        syncer.join()
        recorderThread?.join()
        self.writer = nil
        self.syncer = nil
        self.recorderThread = nil
        // A file handed over after this starts the threads again, which must then wait for work.
        lanes.reopen()
    }

    /// Two threads (three `recordsApart`), so that the disk writes one group's data while the
    /// next group is checked and written to the page cache: the writer checks and writes bodies,
    /// the syncer syncs, names and records. One thread doing both left the disk idle while it
    /// checked, wrote, linked and committed, about half of a small-file run.
    private func startIfNeeded() {
        guard writer == nil else { return }
        let lanes = lanes
        writer = JoinableThread { lanes.writeLoop() }
        syncer = JoinableThread { lanes.syncLoop() }
        if lanes.recordsApart { recorderThread = JoinableThread { lanes.recordLoop() } }
    }
}

/// The renamer's queues and the work of its threads.
private final class Lanes: @unchecked Sendable {
    // Unchecked: the queues and flags are guarded by `lock`; `recorded` and `commits` are written
    // only by the thread that records (the syncer's, or the recorder's) and read after it is joined.
    typealias Item = DurableRenamer.Item
    typealias Result = DurableRenamer.Result
    typealias Written = DurableRenamer.Written

    private let directory: String
    private let groupSync: Bool
    private let hooks: TestHooks?
    private let durability: Durability
    private let recorder: DurableRenamer.Recorder?
    let recordsApart: Bool
    private let onResults: () -> Void
    private let lock = ConditionLock()
    private var waiting: [Item] = []
    private var written: [Written] = []
    /// Files named (or failed) by the syncer, whose outcomes the recorder's thread has yet to commit.
    private var named: [Result] = []
    /// Files the recorder took from `named` and has not put in `done` yet.
    private var recording = 0
    private var done: [Result] = []
    /// Files taken from `waiting` and not yet named (in `named`, or in `done` when the syncer records).
    private var inProgress = 0
    /// Bytes of the bodies in memory in `waiting` and in the group being written.
    private var bodyBytes = 0
    private var closing = false
    private var writerFinished = false
    private var syncerFinished = false
    private(set) var recorded = 0
    private(set) var commits = 0

    init(
        directory: String, groupSync: Bool, hooks: TestHooks?, durability: Durability, recorder: DurableRenamer.Recorder?,
        recordsApart: Bool, onResults: @escaping () -> Void
    ) {
        self.recordsApart = recordsApart
        self.directory = directory
        self.groupSync = groupSync
        self.hooks = hooks
        self.durability = durability
        self.recorder = recorder
        self.onResults = onResults
    }

    var outstanding: Int {
        lock.locked { waiting.count + inProgress + named.count + recording + done.count }
    }

    var load: AwaitingSyncLimit.Load {
        lock.locked { currentLoad }
    }

    /// Call with the lock held.
    private var currentLoad: AwaitingSyncLimit.Load { .init(files: waiting.count + inProgress, bodyBytes: bodyBytes) }

    func submit(_ item: Item) {
        let bytes = Self.bodyBytes(item)
        lock.locked {
            waiting.append(item)
            bodyBytes += bytes
            lock.broadcast()
        }
    }

    /// What `item` holds in memory until the writer writes it out.
    private static func bodyBytes(_ item: Item) -> Int { item.task.sink?.inMemoryBody?.count ?? 0 }

    func takeResults() -> [Result] {
        lock.locked {
            let results = done
            done.removeAll(keepingCapacity: true)
            return results
        }
    }

    func wait(timeout: Double, until enough: (AwaitingSyncLimit.Load) -> Bool) {
        wait(timeout: timeout) { enough(currentLoad) }
    }

    /// Until every file handed over has its result in `done`, or `timeout` seconds pass.
    func waitForResults(timeout: Double) {
        wait(timeout: timeout) { waiting.isEmpty && inProgress == 0 && named.isEmpty && recording == 0 }
    }

    /// Until `satisfied` (checked with the lock held), or `timeout` seconds pass.
    private func wait(timeout: Double, until satisfied: () -> Bool) {
        let deadline = Clock.now() + timeout
        lock.locked {
            while !satisfied() {
                if !lock.wait(until: deadline) { return }
            }
        }
    }

    /// The threads finish what is queued, then return.
    func finish() {
        lock.locked {
            closing = true
            lock.broadcast()
        }
    }

    /// Ready for new threads after `finish` and their join.
    func reopen() {
        lock.locked {
            closing = false
            writerFinished = false
            syncerFinished = false
        }
    }

    /// Files the writer takes at once at most: the syncer can start on them while the writer
    /// writes the rest, so a long queue is synced in a few overlapping groups, not one after it
    /// was all written. Enough for the md5s hashed side by side (`FileSinks.md5s`).
    static let maxWriteGroup = 256

    func writeLoop() {
        while true {
            let taken: (group: [Item], bytes: Int)? = lock.locked {
                while waiting.isEmpty && !closing { lock.wait() }
                if waiting.isEmpty {
                    writerFinished = true
                    lock.broadcast()
                    return nil
                }
                let group = Array(waiting.prefix(Self.maxWriteGroup))
                waiting.removeFirst(group.count)
                inProgress += group.count
                return (group, group.reduce(0) { $0 + Self.bodyBytes($1) })
            }
            guard let taken else { return }
            let prepared = write(taken.group)
            lock.locked {
                written.append(prepared)
                bodyBytes -= taken.bytes
                lock.broadcast()
            }
            // The bodies written out made room in the queue (`AwaitingSyncLimit`).
            onResults()
        }
    }

    func syncLoop() {
        while true {
            // Whatever was written while the previous group synced becomes one group.
            let groups: [Written]? = lock.locked {
                while written.isEmpty && !writerFinished { lock.wait() }
                if written.isEmpty {
                    syncerFinished = true
                    lock.broadcast()
                    return nil
                }
                let groups = written
                written.removeAll(keepingCapacity: true)
                return groups
            }
            guard let groups else { return }
            var results = makeDurable(Written(merging: groups))
            if !recordsApart { record(&results) }
            lock.locked {
                if recordsApart { named.append(contentsOf: results) } else { done.append(contentsOf: results) }
                inProgress -= results.count
                lock.broadcast()
            }
            // The files named made room in the queue (`AwaitingSyncLimit`), or have results.
            onResults()
        }
    }

    /// Commits whatever the syncer named while the last commit ran, in one transaction.
    func recordLoop() {
        while true {
            let taken: [Result]? = lock.locked {
                while named.isEmpty && !syncerFinished { lock.wait() }
                if named.isEmpty { return nil }
                let taken = named
                named.removeAll(keepingCapacity: true)
                recording = taken.count
                return taken
            }
            guard var results = taken else { return }
            record(&results)
            lock.locked {
                done.append(contentsOf: results)
                recording = 0
                lock.broadcast()
            }
            onResults()
        }
    }

    private func record(_ results: inout [Result]) {
        guard let recorder else { return }
        let named = results.indices.filter { results[$0].error == nil && results[$0].mismatchedMD5 == nil }
        guard !named.isEmpty, recorder(named.map { results[$0].item.record }) else { return }
        durability.committed(named.map { results[$0].item.record.fileID })
        for index in named { results[index].recorded = true }
        // Only the syncer writes these; the worker reads them after `close`.
        recorded += named.count
        commits += 1
    }

    /// Checks the md5 of bodies held in memory and writes them out (to files with no name yet, when
    /// the group is synced as one; see `MemorySink`).
    private func write(_ items: [Item]) -> Written {
        var group = Written(items: items)
        let deferred = items.indices.compactMap { index in
            items[index].task.md5Deferred ? items[index].task.sink.map { (index: index, sink: $0) } : nil
        }
        for ((index, sink), md5) in zip(deferred, FileSinks.md5s(of: deferred.map(\.sink))) {
            if let expected = items[index].task.file.expectedMD5, expected != md5 {
                group.mismatches[index] = md5
                group.errors[index] = .file(path: sink.partPath, errno: EIO)
            } else {
                group.items[index].record.outcome = .done(md5: md5)
            }
        }
        for index in items.indices { group.step(index, directory: directory, path: \.partPath) { try $0.materialize(unnamed: groupSync) } }
        return group
    }

    /// Makes the data of every written file durable, and only then renames (or links) them; one
    /// sync then covers all the new names. With `groupSync`, a group of several files is made
    /// durable by one `syncfs` of their file system: one device cache flush instead of one per
    /// file, which is most of what a small file's own sync costs (and the flushes do not overlap).
    /// A failed `syncfs` falls back to each file's own sync, which names the file.
    private func makeDurable(_ group: Written) -> [Result] {
        var group = group
        let ready = group.items.indices.filter { group.errors[$0] == nil }
        if !(groupSync && ready.count > 1 && durability.syncFileSystem(of: directory)) {
            for index in ready { group.step(index, directory: directory, path: \.partPath) { try $0.sync() } }
        }
        var renamed = false
        for index in group.items.indices {
            group.step(index, directory: directory, path: \.finalPath) { sink in
                try sink.commit()
                renamed = true
                hooks?.afterRename()
            }
        }
        // A file linked from an unnamed one changed its own inode (its link count), which a directory
        // sync does not write; the file-system sync covers both.
        if renamed && !(groupSync && durability.syncFileSystem(of: directory)) {
            do {
                try durability.syncDirectory(directory)
            } catch {
                // The names may not survive a power loss: none of these files is recorded done. A
                // later attempt finds each verified file at its name and records it after a sync.
                let failure = error as? SinkError ?? .file(path: directory, errno: EIO)
                for index in group.items.indices where group.errors[index] == nil { group.errors[index] = failure }
            }
        }
        // A mismatch stood in `errors` only to skip the later steps; it is reported as itself.
        return group.items.indices.map { index in
            Result(
                item: group.items[index], error: group.mismatches[index] == nil ? group.errors[index] : nil,
                mismatchedMD5: group.mismatches[index])
        }
    }
}
