import Digest

/// Files read back before their transfers (`OnDiskReader`): why, and which are worth a line at `-v`.
enum ReadBack {
    /// Reading a file already there this long back is said at `-v` (shorter ones at `-vv`): it takes
    /// a while, and a rerun over many small files would say little else.
    static let noticeSize: Int64 = 1 << 20

    enum Kind {
        /// A file at the final name: its md5 decides whether it is the file (`ExistingFileRule`).
        case existing
        /// The part file an earlier attempt left: its md5 and length let the body go on after it.
        case part
    }
}

/// Reads back bytes already on disk for the worker, on a thread of its own: the md5 of a file at
/// its final name (is it the file?), or of an earlier attempt's part file (to go on after it).
/// On the transfer loop, hashing a 100 GiB file would stop every transfer and the heartbeat for
/// minutes, long enough for its leases to run out and other workers to take its files.
/// `Item` is what the caller reads a file for (the worker's `FileTask`).
final class OnDiskReader<Item: AnyObject> {
    /// What to read, and why.
    struct Request {
        let path: String
        let kind: ReadBack.Kind
    }

    /// What was read: the length and md5 state (not finalized) of the regular file at `path`, or
    /// nil when there was none or it could not be read.
    struct Result {
        let item: Item
        let request: Request
        let read: (length: Int64, md5: MD5)?
    }

    private let shared = Shared()
    private var thread: JoinableThread?
    private let wake: () -> Void

    /// `wake` is called (on the reader's thread) when a result is ready.
    init(wake: @escaping () -> Void) { self.wake = wake }

    deinit { close() }

    /// Items submitted whose results have not been taken.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Reads `request` for `item`; its result comes back from `takeFinished`.
    func submit(_ item: Item, _ request: Request) {
        count += 1
        shared.lock.locked {
            shared.pending.append((item, request))
            shared.lock.broadcast()
        }
        // Most runs never read a file back: the thread starts with the first.
        if thread == nil { thread = JoinableThread { [shared, wake] in shared.run(wake: wake) } }
    }

    /// The results ready now.
    func takeFinished() -> [Result] {
        let taken = shared.lock.locked {
            let taken = shared.finished
            shared.finished.removeAll()
            return taken
        }
        count -= taken.count
        return taken
    }

    /// Stops reading and hands back every item submitted whose result was not taken, the one
    /// being read included (its read stops within a chunk). The reader can be used again after.
    func cancelAll() -> [Item] {
        let items: [Item] = shared.lock.locked {
            var items = shared.finished.map(\.item) + shared.pending.removeAll().map(\.item)
            shared.finished.removeAll()
            if let current = shared.reading {
                shared.cancelled = true
                while shared.reading != nil { shared.lock.wait() }
                shared.cancelled = false
                items.append(current)
            }
            return items
        }
        count = 0
        return items
    }

    /// Ends the thread once the read in progress stops; nothing may be submitted after.
    func close() {
        shared.lock.locked {
            shared.closed = true
            shared.cancelled = true
            shared.lock.broadcast()
        }
        thread?.join()
        thread = nil
    }

    /// What the worker's thread and the reader's share, under `lock`.
    private final class Shared {
        let lock = ConditionLock()
        var pending = FIFO<(item: Item, request: Request)>()
        var finished: [Result] = []
        /// The item whose file is being read.
        var reading: Item?
        /// The read in progress is to stop and give no result.
        var cancelled = false
        var closed = false

        func run(wake: () -> Void) {
            while true {
                let next: (item: Item, request: Request)? = lock.locked {
                    while pending.isEmpty && !closed { lock.wait() }
                    guard !closed, let next = pending.popFirst() else { return nil }
                    reading = next.item
                    return next
                }
                guard let next else { return }
                let read = FileHashing.lengthAndMD5(path: next.request.path) { [lock] in lock.locked { self.cancelled } }
                let kept = lock.locked {
                    reading = nil
                    defer { lock.broadcast() }
                    guard !cancelled else { return false }
                    finished.append(Result(item: next.item, request: next.request, read: read))
                    return true
                }
                if kept { wake() }
            }
        }
    }
}
