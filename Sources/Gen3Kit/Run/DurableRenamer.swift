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
    // Allocated, not stored properties: pthread objects must not move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var waiting: [Item] = []
    private var done: [Result] = []
    private var inProgress = 0
    private var closing = false
    private var thread: JoinableThread?

    /// `onResults` runs on the renamer's thread after each group (to wake the transfer loop).
    init(directory: String, onResults: @escaping () -> Void) {
        self.directory = directory
        self.onResults = onResults
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        close()
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// Files handed over and not yet collected with `takeResults`.
    var outstanding: Int {
        locked { waiting.count + inProgress + done.count }
    }

    func submit(_ item: Item) {
        startIfNeeded()
        locked {
            waiting.append(item)
            pthread_cond_broadcast(changed)
        }
    }

    func takeResults() -> [Result] {
        locked {
            let results = done
            done.removeAll(keepingCapacity: true)
            return results
        }
    }

    /// Blocks until every submitted file has a result, or `timeout` seconds pass.
    func wait(timeout: Double = 3600) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let end = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + timeout
        var until = timespec(tv_sec: Int(end), tv_nsec: Int((end - end.rounded(.down)) * 1e9))
        locked {
            while !waiting.isEmpty || inProgress > 0 {
                if pthread_cond_timedwait(changed, mutex, &until) == ETIMEDOUT { return }
            }
        }
    }

    /// Finishes what was handed over and stops the thread.
    func close() {
        guard let thread else { return }
        locked {
            closing = true
            pthread_cond_broadcast(changed)
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
            let group: [Item]? = locked {
                while waiting.isEmpty && !closing { pthread_cond_wait(changed, mutex) }
                if waiting.isEmpty { return nil }
                let group = waiting
                waiting.removeAll(keepingCapacity: true)
                inProgress = group.count
                return group
            }
            guard let group else { return }
            let results = makeDurable(group)
            locked {
                done.append(contentsOf: results)
                inProgress = 0
                pthread_cond_broadcast(changed)
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

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
