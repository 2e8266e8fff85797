import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// One SQLite connection, opened with the settings every gen3 process relies on: extended result
/// codes, WAL, `synchronous=NORMAL` (survives a process crash; Debian's default FULL costs an fsync
/// per commit), a busy timeout for the other workers, a bounded WAL, and recursive triggers (a
/// user's `INSERT OR REPLACE` deletes the row it replaces, and only then are the `file_counts`
/// triggers told of the delete).
package final class Connection: SQLDatabase {
    let handle: OpaquePointer
    package let path: String
    package var backend: StoreBackend { .sqlite }
    /// The statements `run` and `forEachRow` have prepared, by their SQL.
    private var cached: [String: Statement] = [:]

    /// SQLite's process-wide settings, made once before the first connection opens.
    private static let configured: Void = { _ = gen3_sqlite_configure() }()

    /// Whether the file at `path` may be opened as a job database: it is missing or empty, or it
    /// is a SQLite database that is empty or has gen3's `schema_migrations` table. Looked at read
    /// only, so another program's file (or one that is not SQLite at all) is never changed. A file
    /// that cannot be read now (no open file left, no permission, an I/O error, a damaged page)
    /// throws what stopped it: that says nothing of whose file it is.
    package static func holdsJobOrNothing(path: String) throws -> Bool {
        _ = configured
        guard let size = FilePaths.fileSize(path), size > 0 else { return true }
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        func failure(_ code: Int32) -> SQLiteError {
            let system = db.map { sqlite3_system_errno($0) } ?? 0
            let error = SQLiteError(connection: db, code: code)
            guard system != 0 else { return error }
            return SQLiteError(code: code, message: "\(error.message) (\(path): \(String(cString: strerror(system))))")
        }
        let opened = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nil)
        guard opened == SQLITE_OK, let db else { throw failure(opened) }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        let prepared = sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &statement, nil)
        guard prepared == SQLITE_OK else {
            if prepared & 0xff == SQLITE_NOTADB { return false }
            throw failure(prepared)
        }
        var tables: Set<String> = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            if code & 0xff == SQLITE_NOTADB { return false }
            guard code == SQLITE_ROW else { throw failure(code) }
            guard let name = sqlite3_column_text(statement, 0) else { continue }
            tables.insert(String(cString: name))
        }
        return tables.isEmpty || tables.contains("schema_migrations")
    }

    /// Opens (creating when allowed) the database at `path`. New files are readable by the owner only.
    package init(path: String, create: Bool = true, busyTimeoutMilliseconds: Int32 = 30_000) throws {
        _ = Self.configured
        if create {
            // SQLite creates its -wal and -shm files with the main file's mode, so 0600 here covers all three.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd < 0 {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create \(path): \(String(cString: strerror(errno)))")
            }
            close(fd)
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteError(connection: db, code: code, sql: nil)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_handler(db, busyWait, UnsafeMutableRawPointer(bitPattern: Int(max(1, busyTimeoutMilliseconds))))
        // `synchronous` first: switching a new file to WAL writes it, with FULL's extra sync.
        try execute(
            """
            PRAGMA synchronous = NORMAL;
            PRAGMA journal_mode = WAL;
            PRAGMA foreign_keys = ON;
            PRAGMA journal_size_limit = 67108864;
            PRAGMA recursive_triggers = ON;
            """)
    }

    deinit { sqlite3_close_v2(handle) }

    /// How long the `n`th wait for another connection's lock sleeps, in microseconds: 50 µs at
    /// first, doubling to 5 ms. SQLite's own busy timeout sleeps 1, 2, 5, 10 ms…, while the other
    /// connections here (a worker's claims, its renamer's commits) hold the lock for well under a
    /// millisecond.
    static func busySleepMicroseconds(_ n: Int) -> Int { min(5_000, 50 << min(n, 7)) }

    /// Runs one or more statements that return no rows we need.
    package func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// Sets `PRAGMA journal_mode` (one of SQLite's mode names) and returns the mode in force after
    /// it, which stays the old one when another connection prevents the change.
    func setJournalMode(_ mode: String) -> String? {
        guard let statement = try? prepare("PRAGMA journal_mode = \(mode)") else { return nil }
        return (try? statement.first { $0.string(0) })?.flatMap { $0 }?.lowercased()
    }

    package func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: self, sql: sql)
    }

    /// Whether `sql` holds a statement, not just white space, semicolons and comments (a
    /// statement that does not compile counts as one).
    package func containsStatement(_ sql: String) -> Bool {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        return code != SQLITE_OK || statement != nil
    }

    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    package var changes: Int { Int(sqlite3_changes(handle)) }

    /// How a transaction takes its lock. Writers that read first must use `immediate`: a deferred
    /// transaction that reads, then writes, fails at once with SQLITE_BUSY under contention.
    package enum TransactionKind: String {
        case deferred = "DEFERRED"
        case immediate = "IMMEDIATE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. Its
    /// BEGIN and COMMIT are kept prepared, as the statements are: a run's hundreds of transactions
    /// would otherwise compile them each time.
    package func transaction<T>(_ kind: TransactionKind, _ body: () throws -> T) throws -> T {
        try statement("BEGIN \(kind.rawValue)").run([])
        do {
            let result = try body()
            try statement("COMMIT").run([])
            return result
        } catch {
            _ = try? statement("ROLLBACK").run([])
            throw error
        }
    }

    /// A transaction that writes: `immediate`, so that it never fails half-way for want of the lock.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(.immediate, body)
    }

    /// A prepared statement for `sql`, kept for the connection's life: the store runs the same few
    /// dozen statements over and over.
    package func statement(_ sql: String) throws -> Statement {
        if let statement = cached[sql] { return statement }
        let statement = try prepare(sql)
        cached[sql] = statement
        return statement
    }

    @discardableResult
    package func run(_ sql: String, _ values: [SQLValue]) throws -> Int {
        try statement(sql).run(values)
    }

    package func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (any SQLRow) throws -> Void) throws {
        try statement(sql).forEachRow(values) { try body($0) }
    }

    /// Moves WAL content into the database so the WAL does not grow while readers hold old snapshots.
    package func checkpoint() {
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }
}

/// SQLite's busy handler for every connection: sleeps as `Connection.busySleepMicroseconds` says
/// until the waits add up to the timeout (milliseconds, passed as the context), then gives up.
private func busyWait(_ context: UnsafeMutableRawPointer?, _ count: Int32) -> Int32 {
    let timeout = Int(bitPattern: context) * 1_000
    var slept = 0
    for n in 0..<Int(count) { slept += Connection.busySleepMicroseconds(n) }
    if slept >= timeout { return 0 }
    usleep(useconds_t(Connection.busySleepMicroseconds(Int(count))))
    return 1
}
