import CLibPQ

/// The rows of a `COPY … FROM STDIN` in PostgreSQL's text format (tab between fields, a newline
/// after each row, `\N` for NULL), handed to libpq a chunk at a time. Only
/// `PostgresConnection.copyIn` makes one, for the duration of its closure.
package struct PostgresCopyWriter {
    /// Large enough that the per-call cost vanishes, small enough to stay in cache.
    static let chunkSize = 256 * 1024

    private let connection: OpaquePointer
    private let sql: String
    private var buffer: [UInt8] = []
    /// How many rows have been appended.
    package private(set) var rowCount = 0

    init(connection: OpaquePointer, sql: String) {
        self.connection = connection
        self.sql = sql
        buffer.reserveCapacity(Self.chunkSize + 4096)
    }

    /// Appends one row, its values in the order of the COPY's columns.
    package mutating func append(_ values: [SQLValue]) throws {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            Self.encode(value, into: &buffer)
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// `append` with the values listed.
    package mutating func append(_ values: SQLValue...) throws { try append(values) }

    /// Hands what is buffered to libpq, which sends it (blocking) when its own buffer fills.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else { throw PostgresError(connection: connection, result: nil, sql: sql) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// One field: the value's text with the four characters COPY's text format gives a meaning
    /// escaped, or `\N` for NULL.
    static func encode(_ value: SQLValue, into buffer: inout [UInt8]) {
        switch value {
        case .null: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .integer(let number): buffer.append(contentsOf: String(number).utf8)
        case .real(let number): buffer.append(contentsOf: PostgresParameters.text(number).utf8)
        case .text(var text):
            // Runs without a special character go in whole.
            text.withUTF8 { bytes in
                var runStart = 0
                for (index, byte) in bytes.enumerated() {
                    let escaped: UInt8
                    switch byte {
                    case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                    case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                    case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                    case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                    default: continue
                    }
                    buffer.append(contentsOf: bytes[runStart..<index])
                    buffer.append(contentsOf: [UInt8(ascii: "\\"), escaped])
                    runStart = index + 1
                }
                buffer.append(contentsOf: bytes[runStart...])
            }
        }
    }
}
