/// Streams a TSV or CSV manifest with a header row.
///
/// Header names are matched case-insensitively with surrounding whitespace ignored: `guid`,
/// `object_id` or `did` (required), `file_name` or `filename`, `size` or `file_size`, `md5` or
/// `md5sum`; other columns are ignored. CSV follows RFC 4180 quoting (separators, doubled quotes and
/// line breaks inside quotes); TSV splits on tabs only. CRLF, a UTF-8 BOM and blank rows (empty, or
/// only whitespace and separators) are accepted. A row may have fewer fields than the header (the
/// rest are absent) but not more. Memory stays bounded: a row over 1 MiB is refused.
final class DelimitedManifestReader: ManifestReader {
    private enum State {
        case header, rows, finished
    }

    private let stream: ByteStream
    private let separator: UInt8
    private let quoting: Bool
    private var state = State.header
    /// What each column means, and its name as the header writes it.
    private var columns: [ManifestFields.Field?] = []
    private var columnNames: [String] = []
    /// The current row: field contents back to back in `record`, each ending at its `fieldEnds` entry.
    private var record: UnsafeMutablePointer<UInt8>
    private var recordCapacity = 1024
    private var recordCount = 0
    private var fieldEnds: [Int] = []
    /// Fields past the header's columns in the current row (counted, not kept).
    private var extraFields = 0
    private var recordLine = 1

    /// - Parameter format: `.tsv` or `.csv`.
    init(path: String, format: ManifestFormat) throws {
        stream = try ByteStream(path: path)
        quoting = format == .csv
        separator = quoting ? UInt8(ascii: ",") : 0x09
        record = .allocate(capacity: recordCapacity)
    }

    deinit {
        record.deallocate()
    }

    func next() throws -> ManifestEntry? {
        switch state {
        case .finished:
            return nil
        case .header:
            try stream.skipByteOrderMark()
            guard try readRecord() else {
                throw ManifestError(
                    path: stream.path, line: 1,
                    reason:
                        "the file is empty; a manifest needs a header row naming its columns, e.g. \(quoting ? "guid,file_name" : "guid<tab>file_name")"
                )
            }
            try readHeader()
            state = .rows
        case .rows:
            break
        }
        guard try readRecord() else {
            state = .finished
            return nil
        }
        return try makeEntry()
    }

    // MARK: - Header and rows

    private func readHeader() throws {
        for index in 0..<fieldEnds.count {
            let name = ManifestFields.trimmed(String(decoding: field(index), as: UTF8.self))
            let meaning = ManifestFields.field(header: name)
            if let meaning, let earlier = columns.firstIndex(of: meaning) {
                throw ManifestError(
                    path: stream.path, line: recordLine,
                    reason:
                        "columns \(earlier + 1) ('\(columnNames[earlier])') and \(index + 1) ('\(name)') both give the \(ManifestFields.name(of: meaning)); keep one"
                )
            }
            columns.append(meaning)
            columnNames.append(name)
        }
        guard columns.contains(.guid) else {
            let found = columnNames.prefix(8).map { ManifestFields.quoted($0.utf8) }.joined(separator: ", ")
            throw ManifestError(
                path: stream.path, line: recordLine,
                reason:
                    "the header has no GUID column: name the column of GUIDs \(ManifestFields.guidNames) (the header has \(found)\(columnNames.count > 8 ? ", …" : ""))"
            )
        }
    }

    private func makeEntry() throws -> ManifestEntry {
        let total = fieldEnds.count + extraFields
        guard extraFields == 0 else {
            let hint = quoting ? "quote a field that contains a comma" : "a value may not contain a tab"
            throw ManifestError(
                path: stream.path, line: recordLine,
                reason:
                    "\(total) fields but the header has \(columns.count) columns (\(hint))")
        }
        var entry = ManifestEntry(guid: "", line: recordLine)
        var guidColumn = 0
        do {
            for (index, meaning) in columns.enumerated() {
                guard let meaning else { continue }
                if meaning == .guid { guidColumn = index }
                guard index < fieldEnds.count else { continue }
                let value = field(index)
                switch meaning {
                case .guid: entry.guid = try ManifestFields.guid(value, name: columnNames[index])
                case .fileName: entry.fileName = ManifestFields.fileName(value)
                case .size: entry.size = try ManifestFields.size(value, name: columnNames[index])
                case .md5: entry.md5 = try ManifestFields.md5(value, name: columnNames[index])
                case .commonsURL: entry.commonsURL = try ManifestFields.commonsURL(value, name: columnNames[index])
                }
            }
        } catch let problem as ManifestFields.Problem {
            throw ManifestError(path: stream.path, line: recordLine, reason: problem.reason)
        }
        guard !entry.guid.isEmpty else {
            throw ManifestError(
                path: stream.path, line: recordLine,
                reason:
                    "the \(columnNames[guidColumn]) is empty: this row has \(fieldEnds.count) of the header's \(columns.count) fields")
        }
        return entry
    }

    /// The bytes of field `index` of the current row.
    private func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return UnsafeBufferPointer(start: record + start, count: fieldEnds[index] - start)
    }

    // MARK: - Records

    /// Reads the next row that is not blank; false at the end of the file.
    private func readRecord() throws -> Bool {
        while try stream.peek() != nil {
            recordLine = stream.line
            try scanRecord()
            if !isBlank() { return true }
        }
        return false
    }

    private func isBlank() -> Bool {
        for index in 0..<recordCount where !ManifestFields.isSpace(record[index]) { return false }
        return true
    }

    /// Splits one record (which may span lines inside quotes) into `record` and `fieldEnds`,
    /// checking UTF-8 and the 1 MiB limit as it goes.
    private func scanRecord() throws {
        let base = stream.base
        var p = stream.position
        var e = stream.end
        var raw = 0
        var counted = p
        var buffer = record
        var capacity = recordCapacity
        var count = 0
        var fieldStart = 0
        let keptFields = state == .rows ? columns.count : Int.max
        fieldEnds.removeAll(keepingCapacity: true)
        extraFields = 0
        // Quoting: inside quotes, just after a closing quote, whether this field opened with one.
        var inQuotes = false
        var closedQuote = false
        var quotedField = false
        var quoteLine = 0
        var quoteColumn = 0
        // A CR outside quotes is held back: dropped before a LF (or the end), kept otherwise.
        var pendingCR = false
        // UTF-8 sequence state: continuation bytes still needed and the allowed range of the next one.
        var need = 0
        var low: UInt8 = 0x80
        var high: UInt8 = 0xbf

        func textAfterQuote(_ at: Int) -> ManifestError {
            stream.error("text after the closing quote of a field; write a quote inside a quoted field as \"\"", at: at)
        }

        scan: while true {
            if p == e {
                raw += p - counted
                if raw > ManifestFields.maxValueBytes { throw tooLong(inQuotes: inQuotes) }
                stream.position = p
                let more = try stream.fill()
                p = stream.position
                e = stream.end
                counted = p
                if !more { break scan }
            }
            let c = base[p]
            if count + 2 > capacity {
                recordCount = count
                buffer = try grow()
                capacity = recordCapacity
            }
            if need > 0 {
                guard c >= low, c <= high else { throw stream.error(JSONLexer.invalidUTF8(c), at: p) }
                need -= 1
                low = 0x80
                high = 0xbf
                buffer[count] = c
                count += 1
                p += 1
                continue
            }
            if c >= 0x80 {
                switch c {
                case 0xc2...0xdf: need = 1
                case 0xe0:
                    need = 2
                    low = 0xa0
                case 0xe1...0xec, 0xee, 0xef: need = 2
                case 0xed:
                    need = 2
                    high = 0x9f
                case 0xf0:
                    need = 3
                    low = 0x90
                case 0xf1...0xf3: need = 3
                case 0xf4:
                    need = 3
                    high = 0x8f
                default: throw stream.error(JSONLexer.invalidUTF8(c), at: p)
                }
                if !inQuotes {
                    if closedQuote { throw textAfterQuote(p) }
                    if pendingCR {
                        pendingCR = false
                        buffer[count] = 0x0d
                        count += 1
                    }
                }
                buffer[count] = c
                count += 1
                p += 1
                continue
            }
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    inQuotes = false
                    closedQuote = true
                } else {
                    if c == 0x0a { stream.newline(at: p) }
                    buffer[count] = c
                    count += 1
                }
                p += 1
                continue
            }
            if pendingCR {
                pendingCR = false
                if c != 0x0a {
                    if closedQuote { throw textAfterQuote(p - 1) }
                    buffer[count] = 0x0d
                    count += 1
                }
            }
            switch c {
            case 0x0a:
                stream.newline(at: p)
                p += 1
                break scan
            case 0x0d:
                pendingCR = true
            case separator:
                if fieldEnds.count < keptFields { fieldEnds.append(count) } else { extraFields += 1 }
                fieldStart = count
                closedQuote = false
                quotedField = false
            case UInt8(ascii: "\"") where quoting:
                if closedQuote {
                    // A doubled quote inside a quoted field.
                    buffer[count] = c
                    count += 1
                    inQuotes = true
                    closedQuote = false
                } else if count == fieldStart && !quotedField {
                    inQuotes = true
                    quotedField = true
                    quoteLine = stream.line
                    quoteColumn = stream.column(at: p)
                } else {
                    // A stray quote inside an unquoted field is kept as it is.
                    buffer[count] = c
                    count += 1
                }
            default:
                if closedQuote { throw textAfterQuote(p) }
                buffer[count] = c
                count += 1
            }
            p += 1
        }
        stream.position = p
        raw += p - counted
        if raw > ManifestFields.maxValueBytes { throw tooLong(inQuotes: inQuotes) }
        if inQuotes {
            throw ManifestError(
                path: stream.path, line: quoteLine, column: quoteColumn,
                reason: "unexpected end of file inside a quoted field that starts here (is a closing '\"' missing?)")
        }
        if need > 0 { throw stream.error("unexpected end of file inside a UTF-8 character (was the file cut short?)", at: p) }
        if fieldEnds.count < keptFields { fieldEnds.append(count) } else { extraFields += 1 }
        recordCount = count
    }

    private func tooLong(inQuotes: Bool) -> ManifestError {
        let hint = inQuotes ? " (is a closing '\"' missing?)" : ""
        return ManifestError(path: stream.path, line: recordLine, reason: "a line longer than 1 MiB\(hint)")
    }

    /// Doubles the record buffer, keeping its `recordCount` bytes.
    private func grow() throws -> UnsafeMutablePointer<UInt8> {
        // The 1 MiB check runs once per buffer refill, so a record can pass it by up to one buffer.
        let capacity = recordCapacity * 2
        guard capacity <= 2 * (ManifestFields.maxValueBytes + ByteStream.capacity) else { throw tooLong(inQuotes: false) }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: record, count: recordCount)
        record.deallocate()
        record = grown
        recordCapacity = capacity
        return grown
    }
}
