/// The status line and the headers we act on, of the last response of a request (redirects reset it).
package struct ResponseHead: Equatable, Sendable {
    package var status = 0
    package var contentLength: Int64?
    /// The first byte of a 206 response's `Content-Range`.
    package var rangeStart: Int64?
    /// Seconds from `Retry-After` (delta form; an HTTP date is read as 60 s).
    package var retryAfter: Double?
    package var location: String?

    package init() {}

    /// Feeds one raw header line (with its CRLF) as curl hands it over. Works on the bytes: every
    /// request passes each of its header lines through here, and only four names matter.
    package mutating func consume(_ raw: UnsafeRawBufferPointer) {
        let line = Self.trimmed(raw[...])
        if line.starts(with: "HTTP/".utf8) {
            self = ResponseHead()
            // "HTTP/1.1 206 Partial Content"
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return }
            let code = Self.trimmed(line[(space + 1)...]).prefix { $0 != UInt8(ascii: " ") }
            status = Self.integer(code).map { Int($0) } ?? 0
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = line[..<colon]
        let value = Self.trimmed(line[(colon + 1)...])
        if Self.matches(name, "content-length") {
            contentLength = Self.integer(value)
        } else if Self.matches(name, "retry-after") {
            retryAfter = Double(String(decoding: value, as: UTF8.self)).map { max(0, $0) } ?? 60
        } else if Self.matches(name, "location") {
            location = String(decoding: value, as: UTF8.self)
        } else if Self.matches(name, "content-range") {
            // "bytes 100-199/200"
            guard let space = value.firstIndex(of: UInt8(ascii: " ")) else { return }
            let range = value[(space + 1)...]
            guard let dash = range.firstIndex(of: UInt8(ascii: "-")) else { return }
            rangeStart = Self.integer(range[..<dash])
        }
    }

    private typealias Bytes = Slice<UnsafeRawBufferPointer>

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }

    private static func trimmed(_ bytes: Bytes) -> Bytes {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    /// A header name compared without regard to ASCII case; `lowercase` is spelled in lower case.
    private static func matches(_ name: Bytes, _ lowercase: StaticString) -> Bool {
        guard name.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return zip(name, expected).allSatisfy { byte, wanted in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == wanted
        }
    }

    /// A non-negative decimal number of at most 18 digits, nothing else.
    private static func integer(_ digits: Bytes) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
