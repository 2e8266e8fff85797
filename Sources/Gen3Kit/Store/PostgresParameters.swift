/// Statement parameters in PostgreSQL's text format, each NUL-terminated in one buffer, as
/// `PQexecPrepared` takes them; a NULL is a null pointer.
struct PostgresParameters {
    private var bytes: [CChar] = []
    private var offsets: [Int?] = []

    init(_ values: [SQLValue], sql: String) throws {
        offsets.reserveCapacity(values.count)
        for value in values {
            switch value {
            case .null: offsets.append(nil)
            case .integer(let number): append(String(number))
            case .real(let number): append(Self.text(number))
            case .text(let text):
                // In text format the value ends at its first NUL: the rest would be lost silently.
                if text.utf8.contains(0) {
                    throw PostgresError(
                        sqlState: "22021", message: "a text value holds a NUL character, which PostgreSQL cannot store", sql: sql)
                }
                append(text)
            }
        }
    }

    private mutating func append(_ text: String) {
        offsets.append(bytes.count)
        bytes.append(contentsOf: text.utf8.map { CChar(bitPattern: $0) })
        bytes.append(0)
    }

    /// Calls `body` with a pointer per parameter, valid only during the call.
    func withPointers<R>(_ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        bytes.withUnsafeBufferPointer { base in body(offsets.map { $0.map { base.baseAddress! + $0 } }) }
    }

    /// Swift's shortest text that reads back as the same double; float8in takes all its forms
    /// (`0.1`, `1e+20`, `5e-324`, `inf`, `-inf`, `nan`).
    static func text(_ number: Double) -> String { "\(number)" }

    /// An array parameter in PostgreSQL's text form (`{1,2,3}`), of elements already written as
    /// array elements (numbers, `NULL`, or double-quoted text: `DoneRecordBatch.quoted`).
    static func array(_ elements: [String]) -> SQLValue { .text("{" + elements.joined(separator: ",") + "}") }
}
