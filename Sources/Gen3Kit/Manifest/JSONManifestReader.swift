/// Streams a Gen3 portal manifest: a JSON array of objects, one entry per object.
///
/// Keys: `object_id`, `guid` or `did` (the GUID; `id` is not one), `file_name` or `filename`,
/// `file_size` or `size` (an integer or a string of digits), `md5sum` or `md5`. Other keys, with
/// values of any shape, are checked and skipped without being stored; a repeated key's last value
/// wins. Memory stays bounded whatever the file: one 64 KiB buffer plus at most one 1 MiB string.
final class JSONManifestReader: ManifestReader {
    private enum State {
        case start, afterElement, finished
    }

    private let stream: ByteStream
    private let lexer: JSONLexer
    private var state = State.start

    init(path: String) throws {
        stream = try ByteStream(path: path)
        lexer = JSONLexer(stream: stream)
    }

    // MARK: - The array

    func next() throws -> ManifestEntry? {
        switch state {
        case .finished:
            return nil
        case .start:
            try stream.skipByteOrderMark()
            guard let first = try lexer.skipSpace() else {
                throw lexer.error("the file is empty; a Gen3 manifest is a JSON array of objects")
            }
            guard first == UInt8(ascii: "[") else {
                let hint = first == UInt8(ascii: "{") ? ": put the object inside [ ]" : ""
                throw lexer.error(
                    "a Gen3 manifest is a JSON array of objects, but this file starts with \(ManifestFields.describe(first))\(hint)")
            }
            lexer.advance()
            if try lexer.skipSpace() == UInt8(ascii: "]") {
                lexer.advance()
                return try finish()
            }
        case .afterElement:
            switch try lexer.skipSpace() {
            case UInt8(ascii: ","):
                lexer.advance()
                if try lexer.skipSpace() == UInt8(ascii: "]") {
                    throw lexer.error("expected an object after ',', found ']': remove the trailing comma")
                }
            case UInt8(ascii: "]"):
                lexer.advance()
                return try finish()
            case nil:
                throw lexer.error("unexpected end of file: the array is not closed with ']' (was the file cut short?)")
            case let other?:
                throw lexer.error("expected ',' or ']' after an array element, found \(ManifestFields.describe(other))")
            }
        }
        state = .afterElement
        return try readEntry()
    }

    private func finish() throws -> ManifestEntry? {
        if let extra = try lexer.skipSpace() {
            throw lexer.error("unexpected \(ManifestFields.describe(extra)) after the end of the array; a manifest is a single JSON array")
        }
        state = .finished
        return nil
    }

    // MARK: - One object

    private func readEntry() throws -> ManifestEntry {
        guard let open = try lexer.skipSpace() else {
            throw lexer.error("unexpected end of file: expected an object (was the file cut short?)")
        }
        guard open == UInt8(ascii: "{") else {
            throw lexer.error("each manifest entry must be a JSON object, found \(JSONLexer.describeValue(startingWith: open))")
        }
        let line = lexer.line
        let column = lexer.column
        lexer.advance()
        var entry = ManifestEntry(guid: "", line: line)
        var hasID = false
        var byte = try lexer.skipSpace()
        if byte == UInt8(ascii: "}") {
            lexer.advance()
        } else {
            while true {
                guard let quote = byte else { throw lexer.error("unexpected end of file inside an object (was the file cut short?)") }
                guard quote == UInt8(ascii: "\"") else {
                    throw lexer.error("expected a key in double quotes, found \(ManifestFields.describe(quote))")
                }
                let key = try lexer.string(keep: true)
                let known = ManifestFields.field(jsonKey: key)
                if key.count == 2, key[0] == UInt8(ascii: "i"), key[1] == UInt8(ascii: "d") { hasID = true }
                guard let colon = try lexer.skipSpace() else {
                    throw lexer.error("unexpected end of file inside an object (was the file cut short?)")
                }
                guard colon == UInt8(ascii: ":") else {
                    throw lexer.error("expected ':' after a key, found \(ManifestFields.describe(colon))")
                }
                lexer.advance()
                if let known {
                    try readValue(of: known.field, named: known.name, into: &entry)
                } else {
                    try lexer.skipValue()
                }
                switch try lexer.skipSpace() {
                case UInt8(ascii: ","):
                    lexer.advance()
                    byte = try lexer.skipSpace()
                    continue
                case UInt8(ascii: "}"):
                    lexer.advance()
                case nil:
                    throw lexer.error("unexpected end of file inside an object (was the file cut short?)")
                case let other?:
                    throw lexer.error("expected ',' or '}' after a value in an object, found \(ManifestFields.describe(other))")
                }
                break
            }
        }
        guard !entry.guid.isEmpty else {
            let hint = hasID ? " (\"id\" is not read as a GUID)" : ""
            throw ManifestError(
                path: stream.path, line: line, column: column,
                reason: "this entry has no guid: give it an \"object_id\", \"guid\" or \"did\" key\(hint)")
        }
        return entry
    }

    /// Reads the value of a key gen3 uses into `entry`, checking its type and content.
    private func readValue(of field: ManifestFields.Field, named key: StaticString, into entry: inout ManifestEntry) throws {
        guard let first = try lexer.skipSpace() else {
            throw lexer.error("unexpected end of file: expected a value for \"\(key)\" (was the file cut short?)")
        }
        let line = lexer.line
        let column = lexer.column
        let entryLine = entry.line
        let problem = { (reason: String) -> ManifestError in
            let within = line == entryLine ? "" : " (in the entry that starts on line \(entryLine))"
            return ManifestError(path: self.stream.path, line: line, column: column, reason: reason + within)
        }
        let wrongType = { (wanted: String) -> ManifestError in
            problem("\"\(key)\" must be \(wanted), not \(JSONLexer.describeValue(startingWith: first))")
        }
        do {
            // null means "not given" for every field but the GUID.
            if first == UInt8(ascii: "n") && field != .guid {
                try lexer.literal()
                switch field {
                case .fileName: entry.fileName = nil
                case .md5: entry.md5 = nil
                case .size: entry.size = nil
                case .commonsURL: entry.commonsURL = nil
                case .guid: break
                }
                return
            }
            switch field {
            case .guid:
                guard first == UInt8(ascii: "\"") else { throw wrongType("a string") }
                entry.guid = try ManifestFields.guid(try lexer.string(keep: true), name: "\(key)")
            case .fileName:
                guard first == UInt8(ascii: "\"") else { throw wrongType("a string") }
                entry.fileName = ManifestFields.fileName(try lexer.string(keep: true))
            case .commonsURL:
                guard first == UInt8(ascii: "\"") else { throw wrongType("a string") }
                entry.commonsURL = try ManifestFields.commonsURL(try lexer.string(keep: true), name: "\(key)")
            case .md5:
                guard first == UInt8(ascii: "\"") else { throw wrongType("a string of 32 hex digits") }
                entry.md5 = try ManifestFields.md5(try lexer.string(keep: true), name: "\(key)")
            case .size:
                if first == UInt8(ascii: "\"") {
                    entry.size = try ManifestFields.size(try lexer.string(keep: true), name: "\(key)")
                    return
                }
                guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
                    throw wrongType("a whole number of bytes")
                }
                let number = try lexer.number()
                if number.negative {
                    throw ManifestFields.Problem(
                        reason: "\(key) \(ManifestFields.quoted(number.text)) is negative; a size is a whole number of bytes")
                }
                if number.fractional {
                    throw ManifestFields.Problem(reason: "\(key) \(ManifestFields.quoted(number.text)) is not a whole number of bytes")
                }
                if number.overflow { throw ManifestFields.tooLarge(name: "\(key)", text: ManifestFields.quoted(number.text)) }
                entry.size = number.magnitude
            }
        } catch let bad as ManifestFields.Problem {
            throw problem(bad.reason)
        }
    }
}
