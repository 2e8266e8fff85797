/// The JSON tokens the manifest reader needs, scanned straight out of a ``ByteStream``'s buffer.
///
/// Strings are checked as they are scanned (escapes, control characters, UTF-8, the 1 MiB limit) and
/// only copied when kept; skipped values of any shape are walked with an explicit stack capped at
/// ``maxDepth``, never by recursion. Hot loops keep the stream's position in locals: touching the
/// class's stored properties per byte would cost an exclusivity check each time.
final class JSONLexer {
    /// Deepest nesting of a skipped value.
    static let maxDepth = 512
    /// Longest number, in characters; numbers stay in the buffer while they are scanned.
    static let maxNumberBytes = 1024

    /// A number as scanned; `text` points into the stream's buffer until the next call.
    struct Number {
        var negative = false
        var fractional = false
        var overflow = false
        var magnitude: Int64 = 0
        var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    }

    let stream: ByteStream
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 256
    private var scratchCount = 0
    /// Open containers of the value being skipped: true for an object.
    private var containers: [Bool] = []

    init(stream: ByteStream) {
        self.stream = stream
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        scratch.deallocate()
    }

    // MARK: - Position

    /// The line of the next byte.
    var line: Int { stream.line }

    /// The byte column of the next byte.
    var column: Int { stream.column(at: stream.position) }

    /// A problem at the next byte.
    func error(_ reason: String) -> ManifestError {
        stream.error(reason, at: stream.position)
    }

    // MARK: - Structure

    /// Skips whitespace; returns the next byte without consuming it, or nil at the end of the file.
    func skipSpace() throws -> UInt8? {
        let base = stream.base
        var p = stream.position
        var e = stream.end
        while true {
            while p < e {
                let c = base[p]
                switch c {
                case 0x20, 0x09, 0x0d:
                    p += 1
                case 0x0a:
                    stream.newline(at: p)
                    p += 1
                default:
                    stream.position = p
                    return c
                }
            }
            stream.position = p
            guard try stream.fill() else { return nil }
            p = stream.position
            e = stream.end
        }
    }

    /// Consumes the byte ``skipSpace()`` returned.
    func advance() {
        stream.position += 1
    }

    /// What a value starting with `byte` is, for messages.
    static func describeValue(startingWith byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        default: return ManifestFields.describe(byte)
        }
    }

    // MARK: - Strings

    /// Scans the string whose opening quote is the next byte.
    /// - Parameter keep: whether to return the decoded bytes; otherwise the string is only checked.
    /// - Returns: the decoded, valid UTF-8 bytes (empty unless `keep`), valid until the next call.
    func string(keep: Bool) throws -> UnsafeBufferPointer<UInt8> {
        let base = stream.base
        let open = stream.position
        var p = open + 1
        var e = stream.end
        // Bytes from `run` on are not yet in scratch; `copied` says scratch holds the string's start.
        var run = p
        var copied = false
        // Raw length so far is `rawBefore + (p - counted)`.
        var rawBefore = 0
        var counted = p
        // The opening quote's file offset, taken before the buffer first moves.
        var openOffset = -1
        // UTF-8 sequence state: continuation bytes still needed and the allowed range of the next one.
        var need = 0
        var low: UInt8 = 0x80
        var high: UInt8 = 0xbf
        scratchCount = 0
        while true {
            if need == 0 {
                while p < e {
                    let c = base[p]
                    guard c >= 0x20, c < 0x80, c != 0x22, c != 0x5c else { break }
                    p += 1
                }
            }
            if p == e {
                rawBefore += p - counted
                if openOffset < 0 { openOffset = stream.offset + open }
                guard rawBefore <= ManifestFields.maxValueBytes else { throw stringError("a string longer than 1 MiB", openOffset) }
                if keep {
                    try append(base + run, p - run)
                    copied = true
                }
                stream.position = p
                guard try stream.fill() else {
                    throw stringError("unexpected end of file inside a string (was the file cut short?)", openOffset)
                }
                p = stream.position
                e = stream.end
                run = p
                counted = p
                continue
            }
            let c = base[p]
            if need > 0 {
                guard c >= low, c <= high else { throw stream.error(Self.invalidUTF8(c), at: p) }
                need -= 1
                low = 0x80
                high = 0xbf
                p += 1
                continue
            }
            switch c {
            case 0x22:
                if rawBefore + (p - counted) > ManifestFields.maxValueBytes {
                    throw stringError("a string longer than 1 MiB", openOffset < 0 ? stream.offset + open : openOffset)
                }
                stream.position = p + 1
                guard keep else { return UnsafeBufferPointer(start: nil, count: 0) }
                guard copied else { return UnsafeBufferPointer(start: base + run, count: p - run) }
                try append(base + run, p - run)
                return UnsafeBufferPointer(start: scratch, count: scratchCount)
            case 0x5c:
                if keep {
                    try append(base + run, p - run)
                    copied = true
                }
                rawBefore += p - counted
                if openOffset < 0 { openOffset = stream.offset + open }
                // Room for the longest escape, a surrogate pair: \uD83D\uDE00.
                stream.position = p
                _ = try stream.ensure(12)
                p = stream.position
                e = stream.end
                counted = p
                p += try escape(at: p, end: e, keep: keep, openOffset: openOffset)
                run = p
            case 0x0a:
                throw stream.error("a line break inside a string: is a closing '\"' missing? (write a line break in a value as \\n)", at: p)
            case 0..<0x20:
                throw stream.error(
                    "a raw control character (\(ManifestFields.describe(c))) inside a string; write it as a \\u escape", at: p)
            case 0xc2...0xdf:
                need = 1
                p += 1
            case 0xe0:
                need = 2
                low = 0xa0
                p += 1
            case 0xe1...0xec, 0xee, 0xef:
                need = 2
                p += 1
            case 0xed:
                need = 2
                high = 0x9f
                p += 1
            case 0xf0:
                need = 3
                low = 0x90
                p += 1
            case 0xf1...0xf3:
                need = 3
                p += 1
            case 0xf4:
                need = 3
                high = 0x8f
                p += 1
            default:
                throw stream.error(Self.invalidUTF8(c), at: p)
            }
        }
    }

    /// Decodes the escape at `base[p]` (a backslash); returns how many bytes it takes.
    private func escape(at p: Int, end e: Int, keep: Bool, openOffset: Int) throws -> Int {
        let base = stream.base
        let endOfFile = { self.stringError("unexpected end of file inside a string (was the file cut short?)", openOffset) }
        guard p + 1 < e else { throw endOfFile() }
        let decoded: UInt8
        switch base[p + 1] {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5c
        case UInt8(ascii: "/"): decoded = 0x2f
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0c
        case UInt8(ascii: "n"): decoded = 0x0a
        case UInt8(ascii: "r"): decoded = 0x0d
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            guard p + 6 <= e else { throw endOfFile() }
            guard var scalar = hex4(base + p + 2) else {
                throw stream.error("an invalid \\u escape: expected four hex digits", at: p)
            }
            var length = 6
            if (0xdc00...0xdfff).contains(scalar) {
                throw stream.error("an unpaired surrogate \\u escape (a low surrogate without a high one)", at: p)
            }
            if (0xd800...0xdbff).contains(scalar) {
                let unpaired = stream.error(
                    "an unpaired surrogate \\u escape: a high surrogate must be followed by a low one (\\uDC00–\\uDFFF)", at: p)
                guard p + 6 < e, base[p + 6] == UInt8(ascii: "\\") else { throw p + 6 < e ? unpaired : endOfFile() }
                guard p + 7 < e, base[p + 7] == UInt8(ascii: "u") else { throw p + 7 < e ? unpaired : endOfFile() }
                guard p + 12 <= e else { throw endOfFile() }
                guard let second = hex4(base + p + 8), (0xdc00...0xdfff).contains(second) else { throw unpaired }
                scalar = 0x10000 + ((scalar - 0xd800) << 10) + (second - 0xdc00)
                length = 12
            }
            if keep { try appendUTF8(scalar) }
            return length
        default:
            throw stream.error("an invalid escape \\\(Character(Unicode.Scalar(base[p + 1]))) in a string", at: p)
        }
        if keep { try append(decoded) }
        return 2
    }

    private func hex4(_ start: UnsafeMutablePointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for index in 0..<4 {
            let byte = start[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func stringError(_ reason: String, _ openOffset: Int) -> ManifestError {
        // A string never spans lines (a raw line break in one is an error), so it starts on this one.
        ManifestError(path: stream.path, line: stream.line, column: stream.column(atFileOffset: openOffset), reason: reason)
    }

    static func invalidUTF8(_ byte: UInt8) -> String {
        "invalid UTF-8 (\(ManifestFields.describe(byte)) out of place); save the manifest as UTF-8"
    }

    // MARK: - Scratch

    private func append(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) throws {
        guard count > 0 else { return }
        try reserve(count)
        (scratch + scratchCount).update(from: bytes, count: count)
        scratchCount += count
    }

    private func append(_ byte: UInt8) throws {
        try reserve(1)
        scratch[scratchCount] = byte
        scratchCount += 1
    }

    /// Appends a scalar from a \u escape (never a surrogate, at most U+10FFFF) as UTF-8.
    private func appendUTF8(_ scalar: UInt32) throws {
        let byte = { (value: UInt32) in UInt8(truncatingIfNeeded: value) }
        switch scalar {
        case 0..<0x80:
            try append(byte(scalar))
        case 0x80..<0x800:
            try append(byte(0xc0 | scalar >> 6))
            try append(byte(0x80 | scalar & 0x3f))
        case 0x800..<0x10000:
            try append(byte(0xe0 | scalar >> 12))
            try append(byte(0x80 | scalar >> 6 & 0x3f))
            try append(byte(0x80 | scalar & 0x3f))
        default:
            try append(byte(0xf0 | scalar >> 18))
            try append(byte(0x80 | scalar >> 12 & 0x3f))
            try append(byte(0x80 | scalar >> 6 & 0x3f))
            try append(byte(0x80 | scalar & 0x3f))
        }
    }

    private func reserve(_ count: Int) throws {
        let wanted = scratchCount + count
        guard wanted > scratchCapacity else { return }
        // Callers check the 1 MiB limit first; this is the backstop that keeps memory bounded.
        guard wanted <= ManifestFields.maxValueBytes + ByteStream.capacity else { throw error("a string longer than 1 MiB") }
        var capacity = scratchCapacity
        while capacity < wanted { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: scratch, count: scratchCount)
        scratch.deallocate()
        scratch = grown
        scratchCapacity = capacity
    }

    // MARK: - Numbers and literals

    /// Scans the number that starts at the next byte, checking JSON's grammar; the magnitude is
    /// accumulated for integers, with overflow reported rather than trapped.
    func number() throws -> Number {
        let base = stream.base
        var start = stream.position
        var p = start
        var e = stream.end
        var result = Number()
        // 0: before the first digit, 1: after a leading 0, 2: integer digits, 3: after '.',
        // 4: fraction digits, 5: after 'e', 6: after the exponent's sign, 7: exponent digits.
        var state = 0
        if base[p] == UInt8(ascii: "-") {
            result.negative = true
            p += 1
        }
        scan: while true {
            if p == e {
                guard p - start < Self.maxNumberBytes else {
                    throw stream.error("a number longer than \(Self.maxNumberBytes) characters", at: start)
                }
                // Keep the whole number in the buffer so its text can be quoted.
                stream.position = start
                let scanned = p - start
                let more = try stream.fill()
                start = stream.position
                p = start + scanned
                e = stream.end
                if !more || p == e { break scan }
            }
            let c = base[p]
            let isDigit = c >= 0x30 && c <= 0x39
            switch state {
            case 0:
                guard isDigit else { throw stream.error("a '-' not followed by a digit", at: p) }
                state = c == 0x30 ? 1 : 2
                result.magnitude = Int64(c - 0x30)
            case 1, 2:
                if isDigit {
                    guard state == 2 else { throw stream.error("a number with a leading zero", at: start) }
                    if !result.overflow {
                        let (times, overflow1) = result.magnitude.multipliedReportingOverflow(by: 10)
                        let (plus, overflow2) = times.addingReportingOverflow(Int64(c - 0x30))
                        result.overflow = overflow1 || overflow2
                        result.magnitude = plus
                    }
                } else if c == UInt8(ascii: ".") {
                    state = 3
                    result.fractional = true
                } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    state = 5
                    result.fractional = true
                } else {
                    break scan
                }
            case 3:
                guard isDigit else { throw stream.error("a number with no digits after '.'", at: p) }
                state = 4
            case 4:
                if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    state = 5
                } else if !isDigit {
                    break scan
                }
            case 5:
                if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    state = 6
                } else {
                    guard isDigit else { throw stream.error("a number with no digits in its exponent", at: p) }
                    state = 7
                }
            case 6:
                guard isDigit else { throw stream.error("a number with no digits in its exponent", at: p) }
                state = 7
            default:
                if !isDigit { break scan }
            }
            p += 1
        }
        switch state {
        case 1, 2, 4, 7: break
        default: throw stream.error("unexpected end of file inside a number", at: p)
        }
        guard p - start <= Self.maxNumberBytes else {
            throw stream.error("a number longer than \(Self.maxNumberBytes) characters", at: start)
        }
        stream.position = p
        result.text = UnsafeBufferPointer(start: base + start, count: p - start)
        return result
    }

    /// Scans `true`, `false` or `null`, whichever the next byte starts.
    func literal() throws {
        let first = stream.base[stream.position]
        let word: StaticString = first == UInt8(ascii: "t") ? "true" : first == UInt8(ascii: "f") ? "false" : "null"
        let length = word.utf8CodeUnitCount
        _ = try stream.ensure(length)
        let base = stream.base
        let p = stream.position
        for index in 0..<length {
            guard p + index < stream.end else { throw stream.error("unexpected end of file inside \(word)", at: p + index) }
            guard base[p + index] == word.utf8Start[index] else {
                throw stream.error(
                    "unexpected \(ManifestFields.describe(base[p + index])) where a value should be (expected \(word)?)", at: p)
            }
        }
        stream.position = p + length
    }

    // MARK: - Skipping

    /// Skips one value of any type, nested ones included, without keeping any of it.
    func skipValue() throws {
        containers.removeAll(keepingCapacity: true)
        while true {
            guard let c = try skipSpace() else { throw error("unexpected end of file inside a value (was the file cut short?)") }
            switch c {
            case UInt8(ascii: "\""):
                _ = try string(keep: false)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard containers.count < Self.maxDepth else { throw error("values nested deeper than \(Self.maxDepth) levels") }
                let isObject = c == UInt8(ascii: "{")
                advance()
                containers.append(isObject)
                if try skipSpace() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    advance()
                    containers.removeLast()
                } else {
                    if isObject { try skipKey() }
                    continue
                }
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                try literal()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                _ = try number()
            default:
                throw error("unexpected \(ManifestFields.describe(c)) where a value should be")
            }
            // A value is complete: close containers until one goes on with a ','.
            while let isObject = containers.last {
                let closer = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard let c = try skipSpace() else { throw error("unexpected end of file inside a value (was the file cut short?)") }
                if c == UInt8(ascii: ",") {
                    advance()
                    if isObject { try skipKey() }
                    break
                }
                guard c == closer else {
                    throw error("expected ',' or '\(Character(Unicode.Scalar(closer)))', found \(ManifestFields.describe(c))")
                }
                advance()
                containers.removeLast()
            }
            if containers.isEmpty { return }
        }
    }

    /// Skips `"key" :` inside an object being skipped.
    private func skipKey() throws {
        guard let c = try skipSpace() else { throw error("unexpected end of file inside an object (was the file cut short?)") }
        guard c == UInt8(ascii: "\"") else { throw error("expected a key in double quotes, found \(ManifestFields.describe(c))") }
        _ = try string(keep: false)
        guard let colon = try skipSpace() else { throw error("unexpected end of file inside an object (was the file cut short?)") }
        guard colon == UInt8(ascii: ":") else { throw error("expected ':' after a key, found \(ManifestFields.describe(colon))") }
        advance()
    }
}
