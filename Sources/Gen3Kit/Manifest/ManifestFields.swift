#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The keys and columns a manifest may use, and the checks on their values, shared by the JSON and
/// the delimited readers. Values arrive as validated UTF-8 bytes; only kept values become Strings.
enum ManifestFields {
    /// What a key or column means to gen3.
    enum Field {
        case guid, fileName, size, md5, commonsURL
    }

    /// A bad value; the reader adds where it is.
    struct Problem: Error {
        let reason: String
    }

    /// Longest string, field or line held in memory; a longer one is refused, not buffered.
    static let maxValueBytes = 1 << 20

    /// The accepted GUID names, for messages.
    static let guidNames = "guid, object_id, did or (in a GDC manifest) id"

    // MARK: - Names

    /// The field a JSON key names, with the key as written; keys match exactly. `id` is deliberately
    /// not a GUID key, so it returns nil like any other unknown key.
    static func field(jsonKey key: UnsafeBufferPointer<UInt8>) -> (field: Field, name: StaticString)? {
        for known in jsonKeys where matches(key, known.name) { return known }
        return nil
    }

    private static let jsonKeys: [(field: Field, name: StaticString)] = [
        (.guid, "object_id"), (.guid, "guid"), (.guid, "did"),
        (.fileName, "file_name"), (.fileName, "filename"),
        (.size, "file_size"), (.size, "size"),
        (.md5, "md5sum"), (.md5, "md5"),
        (.commonsURL, "commons_url"),
    ]

    /// The field a header names: case-insensitive, surrounding whitespace ignored.
    static func field(header name: String) -> Field? {
        switch trimmed(name).lowercased() {
        // `id` is the GUID column of a manifest from the GDC portal (id, filename, md5, size, state).
        case "guid", "object_id", "did", "id": return .guid
        case "file_name", "filename": return .fileName
        case "size", "file_size": return .size
        case "md5", "md5sum": return .md5
        case "commons_url": return .commonsURL
        default: return nil
        }
    }

    static func name(of field: Field) -> String {
        switch field {
        case .guid: return "guid"
        case .fileName: return "file name"
        case .size: return "size"
        case .md5: return "md5"
        case .commonsURL: return "commons URL"
        }
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount, let start = bytes.baseAddress else { return false }
        return memcmp(start, name.utf8Start, bytes.count) == 0
    }

    // MARK: - Values

    /// A GUID: trimmed, not empty, free of control characters, otherwise verbatim.
    static func guid(_ bytes: UnsafeBufferPointer<UInt8>, name: @autoclosure () -> String) throws -> String {
        let text = trimmed(String(decoding: bytes, as: UTF8.self))
        guard !text.isEmpty else { throw Problem(reason: "the \(name()) is empty; every entry needs a GUID") }
        for byte in text.utf8 where byte < 0x20 || byte == 0x7f {
            throw Problem(reason: "the \(name()) \(quoted(text.utf8)) contains a control character")
        }
        return text
    }

    /// The commons a row names (`commons_url`), as the job stores it (`Endpoint.origin`); nil when
    /// empty.
    static func commonsURL(_ bytes: UnsafeBufferPointer<UInt8>, name: @autoclosure () -> String) throws -> String? {
        let text = trimmed(String(decoding: bytes, as: UTF8.self))
        if text.isEmpty { return nil }
        guard let origin = try? Endpoint.origin(of: text) else {
            throw Problem(reason: "the \(name()) \(quoted(text.utf8)) is not a commons address (https://host or a host name)")
        }
        return origin
    }

    /// A file name, verbatim; nil when empty.
    static func fileName(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// A size written as digits: a whole, non-negative number of bytes that fits in 64 bits; nil when
    /// empty or only whitespace.
    static func size(_ bytes: UnsafeBufferPointer<UInt8>, name: @autoclosure () -> String) throws -> Int64? {
        let digits = trimmedASCII(bytes)
        if digits.isEmpty { return nil }
        var value: Int64 = 0
        var overflow = false
        for byte in digits {
            guard byte >= 0x30 && byte <= 0x39 else {
                if byte == UInt8(ascii: "-"), digits.first == byte, digits.count > 1 {
                    throw Problem(reason: "\(name()) \(quoted(digits)) is negative; a size is a whole number of bytes")
                }
                throw Problem(reason: "\(name()) \(quoted(digits)) is not a whole number of bytes")
            }
            if !overflow {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(byte &- 0x30))
                overflow = overflow1 || overflow2
                value = plus
            }
        }
        if overflow { throw tooLarge(name: name(), text: quoted(digits)) }
        return value
    }

    static func tooLarge(name: String, text: String) -> Problem {
        Problem(reason: "\(name) \(text) is too large: the most a size can be is \(Int64.max) bytes")
    }

    /// An MD5 sum: 32 hex digits in any case, returned lowercased; nil when empty.
    static func md5(_ bytes: UnsafeBufferPointer<UInt8>, name: @autoclosure () -> String) throws -> String? {
        let digits = trimmedASCII(bytes)
        if digits.isEmpty { return nil }
        guard digits.count == 32 else {
            throw Problem(reason: "\(name()) \(quoted(digits)) is not an MD5 sum: expected 32 hex digits")
        }
        var lowered = false
        for byte in digits {
            switch byte {
            case 0x30...0x39, 0x61...0x66: continue
            case 0x41...0x46: lowered = true
            default: throw Problem(reason: "\(name()) \(quoted(digits)) is not an MD5 sum: expected 32 hex digits")
            }
        }
        guard lowered else { return String(decoding: digits, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: 32) { target in
            for (index, byte) in digits.enumerated() { target[index] = byte | 0x20 }
            return 32
        }
    }

    // MARK: - Helpers

    /// `text` without leading and trailing whitespace (Unicode's definition).
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        // Almost every value starts and ends with a visible ASCII character.
        if let first = utf8.first, let last = utf8.last, first > 0x20, first < 0x7f, last > 0x20, last < 0x7f { return text }
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }

    /// `bytes` without leading and trailing ASCII whitespace.
    static func trimmedASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0d)
    }

    /// A value for a message: in quotes, control characters escaped, cut after 40 characters.
    static func quoted<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let text = String(decoding: bytes, as: UTF8.self)
        var result = "'"
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == 40 {
                result += "…"
                break
            }
            switch scalar.value {
            case 0x27: result += "\\'"
            case 0x5c: result += "\\\\"
            case 0..<0x20, 0x7f, 0x80..<0xa0: result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "'"
    }

    /// A byte for a message: `'x'` when printable ASCII, else its hex value.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7f { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(byte < 0x10 ? "0" : "")\(hex)"
    }
}
