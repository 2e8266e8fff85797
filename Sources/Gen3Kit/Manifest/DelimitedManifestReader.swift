/// Streams a TSV or CSV manifest with a header row (`guid`/`object_id`/`did`, `file_name`, `size`,
/// `md5`, case-insensitive; other columns ignored). CSV follows RFC 4180 quoting, newlines inside
/// quotes included; TSV splits on tabs. CRLF, a BOM and blank lines are accepted; a record over
/// 1 MiB is refused.
public final class DelimitedManifestReader: ManifestReader {
    private let stream: ByteStream
    private let separator: UInt8
    private let quoting: Bool
    private var columns: [ManifestFields.Field?] = []
    private var headerRead = false

    /// - Parameter separator: `\t` for TSV, `,` for CSV (which also gets quoting).
    public init(path: String, separator: UInt8) throws {
        stream = try ByteStream(path: path)
        self.separator = separator
        quoting = separator == UInt8(ascii: ",")
    }

    public func next() throws -> ManifestEntry? {
        if !headerRead {
            headerRead = true
            try stream.skipByteOrderMark()
            guard let (header, _) = try readRecord() else { throw stream.error("the file is empty: expected a header row") }
            columns = header.map(ManifestFields.field(named:))
            guard columns.contains(where: { $0 == .guid }) else {
                throw ManifestError(path: stream.path, line: 1, reason: "the header has no GUID column: name one \(ManifestFields.guidNames)")
            }
        }
        guard let (fields, line) = try readRecord() else { return nil }
        guard fields.count <= columns.count else {
            throw ManifestError(path: stream.path, line: line, reason: "\(fields.count) fields but the header has \(columns.count)")
        }
        var entry = ManifestEntry(guid: "", line: line)
        do {
            for (field, value) in zip(columns, fields) {
                switch field {
                case .guid?: entry.guid = value.trimmingSpaces()
                case .fileName?: entry.fileName = value.isEmpty ? nil : value
                case .size?: entry.size = try ManifestFields.size(value)
                case .md5?: entry.md5 = try ManifestFields.md5(value)
                case nil: break
                }
            }
        } catch let problem as FieldProblem {
            throw ManifestError(path: stream.path, line: line, reason: problem.reason)
        }
        guard !entry.guid.isEmpty else { throw ManifestError(path: stream.path, line: line, reason: "the GUID is empty") }
        return entry
    }

    /// The next non-blank record's fields and its first line, or nil at the end.
    private func readRecord() throws -> ([String], Int)? {
        while true {
            let line = stream.line
            guard try stream.peek() != nil else { return nil }
            var fields: [String] = []
            var field: [UInt8] = []
            var total = 0
            var quoted = false, wasQuoted = false
            var sawContent = false
            func endField() throws {
                guard let text = String(validating: field, as: UTF8.self) else {
                    throw ManifestError(path: stream.path, line: line, reason: "a field that is not valid UTF-8")
                }
                fields.append(text)
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            }
            while true {
                guard let byte = try stream.next() else {
                    if quoted { throw ManifestError(path: stream.path, line: line, reason: "unexpected end of file inside a quoted field") }
                    break
                }
                total += 1
                if total > ManifestFields.maxValueBytes {
                    throw ManifestError(path: stream.path, line: line, reason: "a record longer than 1 MiB")
                }
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if try stream.peek() == UInt8(ascii: "\"") {
                            _ = try stream.next()
                            field.append(byte)
                        } else {
                            quoted = false
                            wasQuoted = true
                        }
                    } else {
                        field.append(byte)
                    }
                    continue
                }
                if byte == 0x0a { break }
                if byte == 0x0d, try stream.peek() == 0x0a { continue }
                sawContent = true
                if byte == separator {
                    try endField()
                } else if quoting && byte == UInt8(ascii: "\"") && field.isEmpty && !wasQuoted {
                    quoted = true
                } else if wasQuoted {
                    throw ManifestError(path: stream.path, line: line, reason: "text after a closing quote (double a quote inside a quoted field)")
                } else {
                    field.append(byte)
                }
            }
            if !sawContent && fields.isEmpty && field.isEmpty && !wasQuoted { continue }
            try endField()
            return (fields, line)
        }
    }
}
