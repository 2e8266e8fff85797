import CLibPQ
import Foundation

/// One PostgreSQL connection (libpq), with what the store needs over it: statements prepared once
/// per SQL text that comes more than once, and kept; parameters and results in text format;
/// transactions; `COPY … FROM STDIN` for bulk imports (`PostgresConnection+Copy.swift`); and a way
/// back after the server dropped the connection. Like SQLite's `Connection`, it is used by one
/// thread at a time.
///
/// Parameter types are the server's inference from the SQL (`PQprepare`, or `PQexecParams` for a
/// text's first run, with no types): a parameter whose type the SQL leaves open (`SELECT $1`,
/// `$1 IS NULL`) needs a cast (`$1::bigint`).
package final class PostgresConnection: SQLDatabase {
    let handle: OpaquePointer
    /// The URL or connection string it was opened with, without its password: for messages and logs.
    package let redactedURL: String
    package var backend: StoreBackend { .postgres }
    /// The server-side names of the statements prepared on this session, by their SQL.
    private var prepared: [String: String] = [:]
    /// SQL texts run once on this session, unprepared: a text is prepared when it comes again.
    /// Preparing is a round trip of its own, which a statement run once (most of what opening a
    /// job runs) does not earn back, and on a distant server each is milliseconds.
    private var ranOnce: Set<String> = []

    /// Connects to `url`: a libpq connection string, `host=… dbname=…`, or a URI,
    /// `postgresql://user:password@host:port/database?sslmode=…`. What it leaves out comes from the
    /// `PG*` environment variables and `~/.pgpass`, as for `psql`. Unless they say otherwise, the
    /// session is named `gen3` in `pg_stat_activity` and a connection attempt gives up after 15
    /// seconds. Errors never hold the password.
    package init(url: String) throws {
        redactedURL = Self.redacted(url)
        // Later keywords override earlier ones, and `dbname` expands into the URL's own settings:
        // the defaults before it give way to the URL, and are left out where libpq would take a
        // PG* variable instead; the encoding after it is what the Swift side reads and writes,
        // whatever the URL says.
        let environment = ProcessInfo.processInfo.environment
        var settings: [(String, String)] = []
        if environment["PGCONNECT_TIMEOUT"] == nil { settings.append(("connect_timeout", "15")) }
        settings.append(("fallback_application_name", "gen3"))
        settings += [("dbname", url), ("client_encoding", "UTF8")]
        let keywords = settings.map { strdup($0.0) } + [nil]
        let values = settings.map { strdup($0.1) } + [nil]
        defer { for pointer in keywords + values { free(pointer) } }
        let connection = PQconnectdbParams(keywords.map { UnsafePointer($0) }, values.map { UnsafePointer($0) }, 1)
        guard let connection else { throw PostgresError(sqlState: nil, message: "out of memory", connectionWasBad: true) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let error = Self.connectError(connection, redactedURL: redactedURL, url: url)
            PQfinish(connection)
            throw error
        }
        handle = connection
        // NOTICEs (`DROP … IF EXISTS` of a missing table, `ROLLBACK` with no transaction) are not
        // the user's business; libpq would print them on stderr. The hook survives `PQreset`.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try configureSession()
    }

    deinit { PQfinish(handle) }

    /// Whether the session was usable after the last call (libpq does not ask the server: a
    /// session the server ended since shows only when the next call fails).
    package var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Opens a new session with the same settings, after `isConnectionLost`. Statements prepared
    /// on the old one are prepared again as they come again.
    package func reconnect() throws {
        prepared.removeAll()
        ranOnce.removeAll()
        PQreset(handle)
        guard isConnected else { throw Self.connectError(handle, redactedURL: redactedURL, url: nil) }
        try configureSession()
    }

    /// Runs statements without parameters (several, separated by `;`, in one implicit transaction
    /// unless they say otherwise).
    package func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql: sql, [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
    }

    @discardableResult
    package func run(_ sql: String, _ values: [SQLValue]) throws -> Int {
        let result = try executePrepared(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Hands each row to `body`. The whole result is in memory before the first row (libpq's
    /// default), so a large read should go a page at a time.
    package func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (any SQLRow) throws -> Void) throws {
        let result = try executePrepared(sql, values)
        defer { PQclear(result) }
        for row in 0..<PQntuples(result) { try body(PostgresRow(result: result, row: row)) }
    }

    /// A transaction's isolation level (`BEGIN ISOLATION LEVEL …`).
    package enum Isolation: String {
        case readCommitted = "READ COMMITTED"
        /// One snapshot for the whole transaction; a write that races another fails with
        /// `isSerializationFailure`.
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    package func transaction<T>(_ isolation: Isolation, _ body: () throws -> T) throws -> T {
        try execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        do {
            let value = try body()
            try commit()
            return value
        } catch {
            // Fails harmlessly when the COMMIT ended the transaction or the session is gone.
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// A `READ COMMITTED` transaction, PostgreSQL's default.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(.readCommitted, body)
    }

    /// Runs `body` and, each time it fails because the session is gone (`isConnectionLost`),
    /// reconnects and runs it again, up to `attempts` runs in all, waiting `backoff` before the
    /// first retry and twice as long before each next. Only for work that is safe to repeat: a
    /// transaction whose COMMIT was sent when the connection broke may have committed.
    package func withReconnect<T>(attempts: Int = 3, backoff: Duration = .milliseconds(200), _ body: () throws -> T) throws -> T {
        var retries = attempts - 1
        var delay = backoff
        var lost = false
        while true {
            do {
                if lost { try reconnect() }
                return try body()
            } catch let error as PostgresError where error.isConnectionLost && retries > 0 {
                retries -= 1
                lost = true
                let (seconds, attoseconds) = delay.components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
                delay *= 2
            }
        }
    }

    // MARK: - Internals

    /// Makes float8 output the shortest text that reads back as the same double, whatever the
    /// database, role or PGOPTIONS set (PostgreSQL's default, 1, does too; 0 would round).
    private func configureSession() throws {
        try execute("SET extra_float_digits = 3")
    }

    /// COMMIT of a transaction in which a statement failed (and the failure was caught) rolls back
    /// and reports success, with the tag ROLLBACK: that must not pass for a commit.
    private func commit() throws {
        let result = PQexec(handle, "COMMIT")
        defer { PQclear(result) }
        try check(result, sql: "COMMIT", [PGRES_COMMAND_OK])
        if String(cString: PQcmdStatus(result)) == "ROLLBACK" {
            throw PostgresError(
                sqlState: "25P02", message: "the transaction was rolled back: a statement in it had failed", sql: "COMMIT")
        }
    }

    /// Runs `sql` with `values` (unprepared the first time, prepared from its second run on) and
    /// returns its result, which the caller clears.
    private func executePrepared(_ sql: String, _ values: [SQLValue]) throws -> OpaquePointer {
        let name = prepared[sql] != nil || ranOnce.contains(sql) ? try statementName(sql) : nil
        let parameters = try PostgresParameters(values, sql: sql)
        let result = parameters.withPointers { pointers in
            if let name { return PQexecPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0) }
            return PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
        }
        if name == nil { ranOnce.insert(sql) }
        guard let result, [PGRES_COMMAND_OK, PGRES_TUPLES_OK].contains(PQresultStatus(result)) else {
            let error = PostgresError(connection: handle, result: result, sql: sql)
            PQclear(result)
            throw error
        }
        return result
    }

    private func statementName(_ sql: String) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "gen3_\(prepared.count + 1)"
        let result = PQprepare(handle, name, sql, 0, nil)
        defer { PQclear(result) }
        try check(result, sql: sql, [PGRES_COMMAND_OK])
        prepared[sql] = name
        return name
    }

    /// Throws the error `result` holds unless its status is one of `expected`.
    func check(_ result: OpaquePointer?, sql: String, _ expected: [ExecStatusType]) throws {
        guard let result, expected.contains(PQresultStatus(result)) else {
            throw PostgresError(connection: handle, result: result, sql: sql)
        }
    }

    /// The connection's message, with the URL (redacted) it was for, and with any password libpq
    /// holds taken out in case a message ever quotes it.
    private static func connectError(_ connection: OpaquePointer, redactedURL: String, url: String?) -> PostgresError {
        var text = PostgresError.oneLine(String(cString: PQerrorMessage(connection)))
        let secrets = [PQpass(connection).map { String(cString: $0) }, url.flatMap(password(in:))]
        // A short password would also match ordinary words of the message.
        for secret in secrets.compactMap({ $0 }) where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return PostgresError(
            sqlState: nil, message: "cannot connect to PostgreSQL at \(redactedURL): \(text)", connectionWasBad: true)
    }
}
