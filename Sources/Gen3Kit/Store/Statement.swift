import CSQLite

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Prepared in `init`, finalized in `deinit`; reusable after `reset`.
package final class Statement {
    let handle: OpaquePointer
    unowned let connection: Connection
    package let sql: String
    /// What follows the first statement in `sql` (SQLite compiles one statement at a time).
    package let tail: String

    init(connection: Connection, sql: String, persistent: Bool = true) throws {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        var tailOffset = 0
        let code = sql.withCString { text in
            var rest: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(connection.handle, text, -1, flags, &statement, &rest)
            tailOffset = rest.map { $0 - text } ?? 0
            return code
        }
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError(connection: connection.handle, code: code, sql: sql)
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
        self.tail = String(decoding: sql.utf8.dropFirst(tailOffset), as: UTF8.self)
    }

    /// Whether running it leaves the database as it was (`sqlite3_stmt_readonly`).
    package var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to parameters 1…n.
    @discardableResult
    package func bind(_ values: [SQLValue]) throws -> Statement {
        sqlite3_reset(handle)
        // Parameters left out are NULL; when every one is bound anew there is nothing to clear.
        if values.count < Int(sqlite3_bind_parameter_count(handle)) { sqlite3_clear_bindings(handle) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, transient)
            }
            guard code == SQLITE_OK else { throw SQLiteError(connection: connection.handle, code: code, sql: sql) }
        }
        return self
    }

    /// Advances to the next row; false when the statement is done.
    package func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(connection: connection.handle, code: code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to completion with `values` bound; returns the rows changed.
    @discardableResult
    package func run(_ values: SQLValue...) throws -> Int {
        try run(values)
    }

    /// `run` with the values in an array.
    @discardableResult
    package func run(_ values: [SQLValue]) throws -> Int {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
        return Int(sqlite3_changes(connection.handle))
    }

    /// Runs the statement and hands each row to `body`.
    package func forEachRow(_ values: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        let row = Row(statement: self)
        while try step() { try body(row) }
    }

    /// Runs the statement and maps every row.
    package func rows<T>(_ values: SQLValue..., map: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEachRow(values) { result.append(try map($0)) }
        return result
    }

    /// The first row mapped, or nil when there is none.
    package func first<T>(_ values: SQLValue..., map: (Row) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        return try step() ? try map(Row(statement: self)) : nil
    }
}

/// The current row of a stepping statement; valid only inside the closure that received it.
package struct Row: SQLRow {
    let statement: Statement

    package var columnCount: Int { Int(sqlite3_column_count(statement.handle)) }
    package func name(_ index: Int) -> String { String(cString: sqlite3_column_name(statement.handle, Int32(index))) }
    package func isNull(_ index: Int) -> Bool { sqlite3_column_type(statement.handle, Int32(index)) == SQLITE_NULL }
    package func int64(_ index: Int) -> Int64 { sqlite3_column_int64(statement.handle, Int32(index)) }
    package func double(_ index: Int) -> Double { sqlite3_column_double(statement.handle, Int32(index)) }
    package func string(_ index: Int) -> String? {
        guard let text = sqlite3_column_text(statement.handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(statement.handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
    /// The column as SQLite typed it.
    package func value(_ index: Int) -> SQLValue {
        switch sqlite3_column_type(statement.handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_NULL: return .null
        default: return .text(string(index) ?? "")
        }
    }
}
