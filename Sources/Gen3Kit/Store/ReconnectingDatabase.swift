#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL connection that outlives the server dropping it: a statement or transaction that
/// fails because the session is gone (a restart, a failover, a network cut, an administrator's
/// `pg_terminate_backend`) is run again on a new session, after waits that double from 0.1 s to
/// 5 s, for up to `patience` seconds; then the error is the caller's.
///
/// One the server chose to end as a deadlock (or a serialization failure) is run again too, at
/// once: a worker's two sessions (its loop's and its recorder's) update the same rows in
/// different orders, which SQLite's one writer at a time never meets but PostgreSQL's row locks
/// can, and the server's answer to that is to end one transaction so the other can go on.
///
/// Running again is safe for what the store runs: a statement's rows arrive whole before anyone
/// sees them, every update says which state it moves a row from, and a transaction is run again
/// from its start. A commit whose answer was lost may have happened: a claim run again then takes
/// a second batch, and the first stays with this worker until it releases its rows or its lease
/// runs out.
final class ReconnectingDatabase: SQLDatabase {
    let connection: PostgresConnection
    /// Seconds to keep trying after a lost session before giving up.
    let patience: Double
    /// Whether a transaction is open: its statements are not run again one by one, the whole
    /// transaction is.
    private var inTransaction = false

    init(_ connection: PostgresConnection, patience: Double = 120) {
        self.connection = connection
        self.patience = patience
    }

    var backend: StoreBackend { .postgres }

    func execute(_ sql: String) throws { try again { try connection.execute(sql) } }

    @discardableResult
    func run(_ sql: String, _ values: [SQLValue]) throws -> Int { try again { try connection.run(sql, values) } }

    func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (any SQLRow) throws -> Void) throws {
        try again { try connection.forEachRow(sql, values, body) }
    }

    /// A transaction inside another is part of it.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        guard !inTransaction else { return try body() }
        return try again {
            inTransaction = true
            defer { inTransaction = false }
            return try connection.transaction(body)
        }
    }

    /// `body`, run again on a new session each time the old one was lost, within `patience`.
    private func again<T>(_ body: () throws -> T) throws -> T {
        guard !inTransaction else { return try body() }
        var wait = 0.1
        let deadline = Clock.monotonic() + patience
        while true {
            do {
                return try body()
            } catch let error as PostgresError where (error.isDeadlock || error.isSerializationFailure) && Clock.monotonic() < deadline {
                // Both sides of a deadlock may retry at once: a random pause keeps them apart.
                usleep(useconds_t.random(in: 1_000...20_000))
            } catch let error as PostgresError where error.isConnectionLost && Clock.monotonic() < deadline {
                Self.note(error, connection: connection)
                while true {
                    usleep(useconds_t(wait * 1_000_000))
                    wait = min(wait * 2, 5)
                    if (try? connection.reconnect()) != nil { break }
                    if Clock.monotonic() >= deadline { throw error }
                }
            }
        }
    }

    /// Says once per loss, on stderr, why the job seems to stand still.
    private static func note(_ error: PostgresError, connection: PostgresConnection) {
        let line = "gen3: lost the connection to PostgreSQL at \(connection.redactedURL) (\(error.message)); reconnecting\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
}
