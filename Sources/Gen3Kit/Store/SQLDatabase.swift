/// A connection to a job's database as the store uses it: SQL text and values in, rows out. The
/// SQLite connection and the PostgreSQL one both are one; each is used by one thread at a time.
/// The SQL itself is the backend's own (`StoreQueries`): parameters are `?N` for SQLite and `$N`
/// for PostgreSQL.
package protocol SQLDatabase: AnyObject {
    /// Which backend this is, for the few operations that differ by more than their SQL.
    var backend: StoreBackend { get }
    /// Runs statements without parameters whose rows nobody needs (several, separated by `;`).
    func execute(_ sql: String) throws
    /// Runs one statement with `values` bound to parameters 1…n; returns the rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue]) throws -> Int
    /// Runs one statement with `values` bound and hands each row to `body`, which must not keep it.
    func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (any SQLRow) throws -> Void) throws
    /// Runs `body` in a transaction that writes: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T
}

/// The row a statement is on; valid only inside the closure that received it.
package protocol SQLRow {
    var columnCount: Int { get }
    func name(_ index: Int) -> String
    func isNull(_ index: Int) -> Bool
    func int64(_ index: Int) -> Int64
    func double(_ index: Int) -> Double
    func string(_ index: Int) -> String?
    /// The column as the database typed it.
    func value(_ index: Int) -> SQLValue
}

extension SQLRow {
    package func int(_ index: Int) -> Int { Int(int64(index)) }
    package func optionalInt64(_ index: Int) -> Int64? { isNull(index) ? nil : int64(index) }
    package func optionalDouble(_ index: Int) -> Double? { isNull(index) ? nil : double(index) }
}

/// Where a job lives.
package enum StoreBackend: String, Sendable {
    /// A SQLite file on this machine (the default).
    case sqlite
    /// A PostgreSQL database, which workers on many machines can share.
    case postgres
}

extension SQLDatabase {
    /// `run` with the values listed.
    @discardableResult
    package func run(_ sql: String, _ values: SQLValue...) throws -> Int { try run(sql, values) }

    /// Every row mapped.
    package func rows<T>(_ sql: String, _ values: SQLValue..., map: (any SQLRow) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEachRow(sql, values) { result.append(try map($0)) }
        return result
    }

    /// The first row mapped, or nil when there is none.
    package func first<T>(_ sql: String, _ values: SQLValue..., map: (any SQLRow) throws -> T) throws -> T? {
        var result: T?
        try forEachRow(sql, values) { row in
            if result == nil { result = try map(row) }
        }
        return result
    }
}

/// What the store asks of either backend's errors.
package protocol DatabaseError: Error {
    /// A unique index refused the row (a GUID or a destination name another row has).
    var isUniqueViolation: Bool { get }
}

extension SQLiteError: DatabaseError {}
extension PostgresError: DatabaseError {}
