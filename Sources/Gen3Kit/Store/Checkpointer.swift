import CSQLite

/// Runs the WAL checkpoints of a worker's connections on a thread of its own.
/// SQLite checkpoints inside the commit that takes the WAL past 1,000 pages, on whichever
/// connection made it: two file syncs, milliseconds on a local disk and far more on a network file
/// system. Falling to the transfer loop, that stalls every transfer; falling to the renamer, it
/// delays the files waiting for their sync. A passive checkpoint takes no lock that writers wait
/// for, so on a thread of its own it costs them nothing.
final class Checkpointer {
    /// SQLite's own threshold (`SQLITE_DEFAULT_WAL_AUTOCHECKPOINT`).
    static let walPages: Int32 = 1000

    private let connection: Connection
    private let lock = ConditionLock()
    private var requested = false
    private var closing = false
    private var busy = false
    private var finished = 0
    private var held = false
    private var thread: JoinableThread?
    private var watched: [Connection] = []

    /// Opens a connection of its own to the database at `path`.
    init(path: String) throws {
        connection = try Connection(path: path, create: false)
    }

    deinit { close() }

    /// Moves `watched`'s checkpoints to this thread until `close`, which gives them back.
    func watch(_ watched: Connection) {
        startIfNeeded()
        self.watched.append(watched)
        // Unretained: `close` removes the hook before this object can go away.
        sqlite3_wal_hook(
            watched.handle,
            { context, _, _, pages in
                if pages >= Checkpointer.walPages, let context {
                    Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().request()
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Asks for a checkpoint soon; requests made while one runs make one more.
    func request() {
        lock.locked {
            requested = true
            lock.broadcast()
        }
    }

    /// Blocks until no checkpoint is asked for or running (for tests).
    func waitUntilIdle() {
        lock.locked {
            while requested || busy { lock.wait() }
        }
    }

    /// Gives the watched connections SQLite's own checkpoints back and stops the thread.
    func close() {
        // Setting the threshold replaces this object's hook with SQLite's.
        for connection in watched { sqlite3_wal_autocheckpoint(connection.handle, Self.walPages) }
        watched.removeAll()
        guard let thread else { return }
        lock.locked {
            closing = true
            lock.broadcast()
        }
        thread.join()
        self.thread = nil
        // Watching again starts a new thread, which must then wait for requests.
        lock.locked { closing = false }
    }

    /// Checkpoints run so far.
    var runs: Int { lock.locked { finished } }

    /// While true, requests wait (for tests: to see what the watched commits do on their own).
    var paused: Bool {
        get { lock.locked { held } }
        set {
            lock.locked {
                held = newValue
                lock.broadcast()
            }
        }
    }

    private func startIfNeeded() {
        guard thread == nil else { return }
        let checkpointer = Unmanaged.passUnretained(self)
        thread = JoinableThread { checkpointer.takeUnretainedValue().loop() }
    }

    private func loop() {
        while true {
            let go: Bool = lock.locked {
                while (!requested || held) && !closing { lock.wait() }
                guard requested && !closing else { return false }
                requested = false
                busy = true
                return true
            }
            guard go else { return }
            connection.checkpoint()
            lock.locked {
                finished += 1
                busy = false
                lock.broadcast()
            }
        }
    }
}
