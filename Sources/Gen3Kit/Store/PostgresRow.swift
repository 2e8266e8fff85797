import CLibPQ

/// A row of a text-format result; valid only inside the closure that received it. Numbers are
/// parsed from their text, and `value` types a column by its type OID.
package struct PostgresRow: SQLRow {
    let result: OpaquePointer
    let row: Int32

    // Type OIDs from pg_type.h (libpq does not export them).
    private static let bool: Oid = 16
    private static let integers: Set<Oid> = [20, 21, 23, 26] // int8, int2, int4, oid
    private static let reals: Set<Oid> = [700, 701, 1700] // float4, float8, numeric

    package var columnCount: Int { Int(PQnfields(result)) }
    package func name(_ index: Int) -> String { String(cString: PQfname(result, Int32(index))) }
    package func isNull(_ index: Int) -> Bool { PQgetisnull(result, row, Int32(index)) == 1 }

    package func string(_ index: Int) -> String? {
        guard !isNull(index) else { return nil }
        let count = Int(PQgetlength(result, row, Int32(index)))
        return PQgetvalue(result, row, Int32(index)).withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }

    /// The column as an integer, like SQLite's: a boolean is 1 or 0, a fraction is cut towards
    /// zero, and NULL or text that is no number is 0.
    package func int64(_ index: Int) -> Int64 {
        guard let text = string(index) else { return 0 }
        if PQftype(result, Int32(index)) == Self.bool { return text == "t" ? 1 : 0 }
        if let number = Int64(text) { return number }
        guard let number = Double(text), number.isFinite else { return 0 }
        // Int64(exactly: 2^63) is nil, and Int64(_:) traps outside the range.
        if number >= 0x1p63 { return .max }
        if number < -0x1p63 { return .min }
        return Int64(number)
    }

    /// The column as a double: a boolean is 1 or 0, and NULL or text that is no number is 0.
    package func double(_ index: Int) -> Double {
        guard let text = string(index) else { return 0 }
        if PQftype(result, Int32(index)) == Self.bool { return text == "t" ? 1 : 0 }
        return Double(text) ?? 0
    }

    /// The column as the server typed it: integers and booleans (1 or 0) as `.integer`, floating
    /// and numeric types as `.real`, everything else as its text.
    package func value(_ index: Int) -> SQLValue {
        guard let text = string(index) else { return .null }
        let type = PQftype(result, Int32(index))
        if type == Self.bool || Self.integers.contains(type) { return .integer(int64(index)) }
        if Self.reals.contains(type) { return .real(Double(text) ?? 0) }
        return .text(text)
    }
}
