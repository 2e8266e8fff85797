import CSQLite

/// The parameters of one run of a statement, their text kept together in one reusable buffer that
/// SQLite reads in place (`SQLITE_STATIC`). Bound one by one, each text was copied into a fresh
/// allocation of SQLite's, and that was a quarter of a million-row import's main thread.
/// Text stops at its first NUL, as when a `String` is bound as a C string.
struct ParameterBuffer {
    private enum Parameter {
        case null
        case integer(Int64)
        case real(Double)
        case text(offset: Int)
    }

    private var bytes: [UInt8] = []
    private var parameters: [Parameter] = []

    init(capacity: Int) {
        parameters.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 32)
    }

    var count: Int { parameters.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        parameters.removeAll(keepingCapacity: true)
    }

    mutating func append(_ text: String?) {
        guard var text else { return parameters.append(.null) }
        parameters.append(.text(offset: bytes.count))
        text.withUTF8 { bytes.append(contentsOf: $0) }
        bytes.append(0)
    }

    mutating func append(_ number: Int64?) {
        parameters.append(number.map { .integer($0) } ?? .null)
    }

    mutating func append(_ number: Double) {
        parameters.append(.real(number))
    }

    /// Binds every parameter to `statement` (from 1), runs it to completion and unbinds them, so
    /// that nothing points into the buffer once this returns; the rows changed.
    func run(_ statement: Statement) throws -> Int {
        try bound(to: statement) {
            while try statement.step() {}
            return Int(sqlite3_changes(statement.connection.handle))
        }
    }

    /// Like `run`, for a query: its first row mapped, or nil when there is none.
    func first<T>(_ statement: Statement, map: (Row) throws -> T) throws -> T? {
        try bound(to: statement) {
            try statement.step() ? try map(Row(statement: statement)) : nil
        }
    }

    /// Runs `body` with every parameter bound to `statement`; resets and unbinds it after.
    private func bound<T>(to statement: Statement, _ body: () throws -> T) throws -> T {
        try bytes.withUnsafeBufferPointer { base in
            sqlite3_reset(statement.handle)
            defer {
                sqlite3_reset(statement.handle)
                sqlite3_clear_bindings(statement.handle)
            }
            for (offset, parameter) in parameters.enumerated() {
                let index = Int32(offset + 1)
                let code: Int32
                switch parameter {
                case .null: code = sqlite3_bind_null(statement.handle, index)
                case .integer(let number): code = sqlite3_bind_int64(statement.handle, index, number)
                case .real(let number): code = sqlite3_bind_double(statement.handle, index, number)
                case .text(let start):
                    code = base.baseAddress!.advanced(by: start).withMemoryRebound(to: CChar.self, capacity: 1) {
                        sqlite3_bind_text(statement.handle, index, $0, -1, nil)
                    }
                }
                guard code == SQLITE_OK else { throw SQLiteError(connection: statement.connection.handle, code: code, sql: statement.sql) }
            }
            return try body()
        }
    }
}
