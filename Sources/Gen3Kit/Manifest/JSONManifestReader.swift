/// Streams a Gen3 portal manifest: a JSON array of objects, one entry per object. Only the keys
/// gen3 uses are kept; anything else (nested values included) is skipped without being stored.
/// Never recursive, never unbounded: values over 1 MiB and nesting over 512 levels are refused.
public final class JSONManifestReader: ManifestReader {
    private let stream: ByteStream
    private enum State { case start, inArray, finished }
    private var state = State.start
    private static let maxDepth = 512

    public init(path: String) throws {
        stream = try ByteStream(path: path)
    }

    public func next() throws -> ManifestEntry? {
        switch state {
        case .finished:
            return nil
        case .start:
            try stream.skipByteOrderMark()
            try skipSpace()
            guard let first = try stream.next() else { throw stream.error("the file is empty: a Gen3 manifest is a JSON array of objects") }
            guard first == UInt8(ascii: "[") else {
                throw stream.error("a Gen3 manifest is a JSON array of objects, but this starts with '\(printable(first))'")
            }
            try skipSpace()
            if try stream.peek() == UInt8(ascii: "]") {
                _ = try stream.next()
                return try finish()
            }
            state = .inArray
        case .inArray:
            try skipSpace()
            switch try stream.next() {
            case UInt8(ascii: ","): break
            case UInt8(ascii: "]"): return try finish()
            case nil: throw stream.error("unexpected end of file: the array is not closed with ']'")
            case let other?: throw stream.error("expected ',' or ']' after an array element, found '\(printable(other))'")
            }
        }
        try skipSpace()
        return try readEntry()
    }

    private func finish() throws -> ManifestEntry? {
        state = .finished
        try skipSpace()
        if let extra = try stream.peek() { throw stream.error("unexpected '\(printable(extra))' after the end of the array") }
        return nil
    }

    // MARK: - One object

    private func readEntry() throws -> ManifestEntry? {
        let line = stream.line, column = stream.column
        guard let open = try stream.next() else { throw stream.error("unexpected end of file: expected an object") }
        guard open == UInt8(ascii: "{") else {
            throw stream.error("each manifest entry must be a JSON object, found '\(printable(open))'", line: line, column: column)
        }
        var guid: String?, fileName: String?, size: Int64?, md5: String?
        try skipSpace()
        if try stream.peek() == UInt8(ascii: "}") {
            _ = try stream.next()
        } else {
            while true {
                try skipSpace()
                guard try stream.next() == UInt8(ascii: "\"") else { throw stream.error("expected a key in double quotes") }
                let key = try readString()
                try skipSpace()
                guard try stream.next() == UInt8(ascii: ":") else { throw stream.error("expected ':' after the key \"\(key.prefix(40))\"") }
                try skipSpace()
                switch ManifestFields.field(named: key) {
                case .guid?: guid = try readStringValue(key: key, nullable: false)
                case .fileName?: fileName = try readStringValue(key: key, nullable: true)
                case .size?: size = try readSize(key: key)
                case .md5?:
                    if let text = try readStringValue(key: key, nullable: true) {
                        do { md5 = try ManifestFields.md5(text) } catch let problem as FieldProblem {
                            throw stream.error(problem.reason, line: line, column: column)
                        }
                    }
                case nil: try skipValue()
                }
                try skipSpace()
                switch try stream.next() {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "}"): break
                case nil: throw stream.error("unexpected end of file inside an object")
                case let other?: throw stream.error("expected ',' or '}' in an object, found '\(printable(other))'")
                }
                break
            }
        }
        guard let id = guid?.trimmingSpaces(), !id.isEmpty else {
            throw stream.error("this entry has no \(ManifestFields.guidNames)", line: line, column: column)
        }
        return ManifestEntry(guid: id, fileName: fileName.flatMap { $0.isEmpty ? nil : $0 }, size: size, md5: md5, line: line)
    }

    private func readStringValue(key: String, nullable: Bool) throws -> String? {
        let byte = try stream.peek()
        if byte == UInt8(ascii: "\"") {
            _ = try stream.next()
            return try readString()
        }
        if nullable, byte == UInt8(ascii: "n") {
            try expectLiteral("null")
            return nil
        }
        throw stream.error("\"\(key)\" must be a string")
    }

    private func readSize(key: String) throws -> Int64? {
        guard let byte = try stream.peek() else { throw stream.error("unexpected end of file") }
        let text: String
        if byte == UInt8(ascii: "\"") {
            _ = try stream.next()
            text = try readString()
        } else if byte == UInt8(ascii: "n") {
            try expectLiteral("null")
            return nil
        } else if byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte) {
            text = try readNumber()
            if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                throw stream.error("\"\(key)\" \(text.prefix(40)) is not a whole number of bytes")
            }
            if text.hasPrefix("-") { throw stream.error("\"\(key)\" \(text.prefix(40)) is negative") }
        } else {
            throw stream.error("\"\(key)\" must be a number")
        }
        do { return try ManifestFields.size(text) } catch let problem as FieldProblem { throw stream.error(problem.reason) }
    }

    // MARK: - Lexing

    private func skipSpace() throws {
        while let byte = try stream.peek(), byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 {
            _ = try stream.next()
        }
    }

    /// Reads a string's contents after its opening quote, decoding escapes and checking UTF-8.
    private func readString() throws -> String {
        var bytes: [UInt8] = []
        while true {
            guard let byte = try stream.next() else { throw stream.error("unexpected end of file inside a string") }
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw stream.error("a control character inside a string (escape it)") }
            if bytes.count >= ManifestFields.maxValueBytes { throw stream.error("a string longer than 1 MiB") }
            if byte != UInt8(ascii: "\\") {
                bytes.append(byte)
                continue
            }
            guard let escape = try stream.next() else { throw stream.error("unexpected end of file inside a string") }
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0c)
            case UInt8(ascii: "n"): bytes.append(0x0a)
            case UInt8(ascii: "r"): bytes.append(0x0d)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xd800...0xdbff).contains(scalar) {
                    guard try stream.next() == UInt8(ascii: "\\"), try stream.next() == UInt8(ascii: "u") else {
                        throw stream.error("an unpaired surrogate in a \\u escape")
                    }
                    let low = try readHex4()
                    guard (0xdc00...0xdfff).contains(low) else { throw stream.error("an unpaired surrogate in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                } else if (0xdc00...0xdfff).contains(scalar) {
                    throw stream.error("an unpaired surrogate in a \\u escape")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw stream.error("an invalid \\u escape") }
                bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw stream.error("an invalid escape '\\\(printable(escape))' in a string")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw stream.error("a string that is not valid UTF-8") }
        return text
    }

    private func readHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = try stream.next(), ManifestFields.isHex(byte) else { throw stream.error("an invalid \\u escape") }
            let digit: UInt8 = byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x61 + 10
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func readNumber() throws -> String {
        var bytes: [UInt8] = []
        while let byte = try stream.peek(), (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            if bytes.count > 400 { throw stream.error("a number longer than 400 characters") }
            bytes.append(byte)
            _ = try stream.next()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func expectLiteral(_ literal: String) throws {
        for expected in literal.utf8 {
            guard try stream.next() == expected else { throw stream.error("expected \(literal)") }
        }
    }

    /// Skips one value of any type without keeping it, with an explicit stack instead of recursion.
    private func skipValue() throws {
        var closers: [UInt8] = []
        repeat {
            try skipSpace()
            guard let byte = try stream.next() else { throw stream.error("unexpected end of file inside a value") }
            switch byte {
            case UInt8(ascii: "\""):
                _ = try readString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if closers.count >= Self.maxDepth { throw stream.error("values nested deeper than \(Self.maxDepth) levels") }
                closers.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                try skipSpace()
                if try stream.peek() == closers.last {
                    _ = try stream.next()
                    closers.removeLast()
                }
                continue
            case UInt8(ascii: "t"): try expectLiteral("rue")
            case UInt8(ascii: "f"): try expectLiteral("alse")
            case UInt8(ascii: "n"): try expectLiteral("ull")
            case UInt8(ascii: "-"), 0x30...0x39: _ = try readNumber()
            default: throw stream.error("unexpected '\(printable(byte))' where a value should be")
            }
            // After a complete value inside a container: a separator or the container's end.
            while let closer = closers.last {
                try skipSpace()
                let next = try stream.peek()
                if closer == UInt8(ascii: "}") && next == UInt8(ascii: ":") {
                    _ = try stream.next()
                    break
                }
                guard let separator = try stream.next() else { throw stream.error("unexpected end of file inside a value") }
                if separator == UInt8(ascii: ",") { break }
                guard separator == closer else { throw stream.error("expected ',' or '\(printable(closer))', found '\(printable(separator))'") }
                closers.removeLast()
            }
        } while !closers.isEmpty
    }

    private func printable(_ byte: UInt8) -> String {
        (0x20..<0x7f).contains(byte) ? String(UnicodeScalar(byte)) : String(format: "\\x%02x", byte)
    }
}

import Foundation
