import CSQLite

/// A failed SQLite call: the extended result code, SQLite's message and the SQL (never the bound
/// values, which may hold user data).
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// The extended result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …).
    public let code: Int32
    /// `sqlite3_errmsg` at the time of the error.
    public let message: String
    /// The statement that failed (never its bound values, which may be file names).
    public let sql: String?

    /// An error with SQLite's extended result code.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    init(connection: OpaquePointer?, code: Int32, sql: String? = nil) {
        let message =
            connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        self.init(code: code, message: message, sql: sql)
    }

    /// The primary result code, without the extended bits.
    public var primaryCode: Int32 { code & 0xff }
    /// Another connection holds the lock: worth retrying.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    // SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY are macro expressions Swift cannot import: (19 | 8<<8), (19 | 6<<8).
    public var isUniqueViolation: Bool { code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8) }

    /// The code, the message and the statement.
    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }
}
