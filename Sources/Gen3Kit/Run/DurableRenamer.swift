#if canImport(Glibc)
import Glibc
#endif

/// Makes verified files durable on a thread of its own: syncs each part file's data, renames it to
/// its final name, then syncs the directory once for the group. A sync waits for the disk (about
/// 0.2 ms per small file here, much longer for a large one); done on the transfer loop it left the
/// connections idle, so the loop hands files over and collects the results when they are ready.
/// The order per file is unchanged: nothing reaches its final name before its data is on disk, and
/// its outcome is committed only after its rename and the directory sync.
final class DurableRenamer {
    struct Item {
        let task: FileTask
        let record: AttemptRecord
    }

    struct Result {
        let item: Item
        /// Why the sync or rename failed; nil when the file is at its final name.
        let error: SinkError?
    }

    private let directory: String
    private let onResults: () -> Void
    private let lock = ConditionLock()
    private var waiting: [Item] = []
    private var done: [Result] = []
    private var inProgress = 0
    private var closing = false
    private var thread: JoinableThread?

    /// `onResults` runs on the renamer's thread after each group (to wake the transfer loop).
    init(directory: String, onResults: @escaping () -> Void) {
        self.directory = directory
        self.onResults = onResults
    }

    deinit { close() }

    /// Files handed over and not yet collected with `takeResults`.
    var outstanding: Int {
        lock.locked { waiting.count + inProgress + done.count }
    }

    func submit(_ item: Item) {
        startIfNeeded()
        lock.locked {
            waiting.append(item)
            lock.broadcast()
        }
    }

    func takeResults() -> [Result] {
        lock.locked {
            let results = done
            done.removeAll(keepingCapacity: true)
            return results
        }
    }

    /// Blocks until every submitted file has a result, or `timeout` seconds pass.
    func wait(timeout: Double = 3600) {
        let deadline = Clock.now() + timeout
        lock.locked {
            while !waiting.isEmpty || inProgress > 0 {
                if !lock.wait(until: deadline) { return }
            }
        }
    }

    /// Finishes what was handed over and stops the thread.
    func close() {
        guard let thread else { return }
        lock.locked {
            closing = true
            lock.broadcast()
        }
        thread.join()
        self.thread = nil
    }

    private func startIfNeeded() {
        guard thread == nil else { return }
        // Unretained: deinit joins the thread before the object goes away.
        let renamer = Unmanaged.passUnretained(self)
        thread = JoinableThread { renamer.takeUnretainedValue().loop() }
    }

    private func loop() {
        while true {
            let group: [Item]? = lock.locked {
                while waiting.isEmpty && !closing { lock.wait() }
                if waiting.isEmpty { return nil }
                let group = waiting
                waiting.removeAll(keepingCapacity: true)
                inProgress = group.count
                return group
            }
            guard let group else { return }
            let results = makeDurable(group)
            lock.locked {
                done.append(contentsOf: results)
                inProgress = 0
                lock.broadcast()
            }
            onResults()
        }
    }

    /// Syncs every file of the group first and renames afterwards, so the disk can work on the
    /// syncs back to back; one directory sync then covers all the renames.
    private func makeDurable(_ group: [Item]) -> [Result] {
        var errors = [SinkError?](repeating: nil, count: group.count)
        for (index, item) in group.enumerated() {
            guard let sink = item.task.sink else { errors[index] = .file(path: directory, errno: EBADF); continue }
            do { try sink.sync() } catch let error as SinkError { errors[index] = error } catch { errors[index] = .file(path: sink.partPath, errno: EIO) }
        }
        var renamed = false
        for (index, item) in group.enumerated() where errors[index] == nil {
            guard let sink = item.task.sink else { continue }
            do {
                try sink.commit()
                renamed = true
            } catch let error as SinkError {
                errors[index] = error
            } catch {
                errors[index] = .file(path: sink.finalPath, errno: EIO)
            }
        }
        if renamed { FileHashing.syncDirectory(directory) }
        return zip(group, errors).map { Result(item: $0, error: $1) }
    }
}
