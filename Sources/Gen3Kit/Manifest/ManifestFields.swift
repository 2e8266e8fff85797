/// The columns and keys a manifest may use, and the checks on their values, shared by all readers.
enum ManifestFields {
    enum Field { case guid, fileName, size, md5 }

    /// Longest value or line we hold in memory; beyond it the manifest is refused, not buffered.
    static let maxValueBytes = 1 << 20

    static func field(named name: String) -> Field? {
        switch name.trimmingSpaces().lowercased() {
        case "guid", "object_id", "did": return .guid
        case "file_name", "filename": return .fileName
        case "size", "file_size": return .size
        case "md5", "md5sum": return .md5
        default: return nil
        }
    }

    static let guidNames = "guid, object_id or did"

    /// A size written as digits: a whole, non-negative number of bytes that fits in 64 bits.
    static func size(_ text: String) throws -> Int64? {
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty { return nil }
        var value: Int64 = 0
        for byte in trimmed.utf8 {
            guard byte >= 0x30 && byte <= 0x39 else {
                throw FieldProblem(reason: "size '\(trimmed.prefix(40))' is not a whole number of bytes")
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(Int64(byte - 0x30))
            if overflow1 || overflow2 { throw FieldProblem(reason: "size \(trimmed.prefix(40)) is too large") }
            value = plus
        }
        return value
    }

    /// An md5 sum: 32 hex digits, any case; empty means unknown.
    static func md5(_ text: String) throws -> String? {
        let trimmed = text.trimmingSpaces()
        if trimmed.isEmpty { return nil }
        guard trimmed.utf8.count == 32, trimmed.utf8.allSatisfy({ isHex($0) }) else {
            throw FieldProblem(reason: "md5 '\(trimmed.prefix(40))' is not 32 hex digits")
        }
        return trimmed.lowercased()
    }

    static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
    }
}

/// A bad value; the reader adds where it is.
struct FieldProblem: Error {
    let reason: String
}
