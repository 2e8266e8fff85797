import Foundation

/// JSON whose strings have no escapes, the shape Fence's answers take, read straight from the
/// bytes into strings, arrays and objects (numbers, booleans and null are checked loosely and kept
/// as `.other`). A string with an escape or a control character, or a repeated key, yields nil, for
/// a full JSON parser to read. Every presigned URL passes through here, and Foundation's parser
/// cost more per file than the rest of a small file's handling (BENCHMARKS.md).
enum PlainJSON {
    indirect enum Value {
        case string(String)
        case array([Value])
        case object([String: Value])
        case other

        /// A value from Foundation's parser, in the same terms.
        init(foundation object: Any) {
            switch object {
            case let text as String: self = .string(text)
            case let items as [Any]: self = .array(items.map(Value.init(foundation:)))
            case let members as [String: Any]: self = .object(members.mapValues(Value.init(foundation:)))
            default: self = .other
            }
        }
    }

    static let maxDepth = 32

    /// `parse`, or Foundation's parser for what `parse` leaves to it (escapes, repeated keys).
    static func read(_ body: [UInt8]) -> Value? {
        if let value = parse(body) { return value }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) else { return nil }
        return Value(foundation: object)
    }

    static func parse(_ body: [UInt8]) -> Value? {
        body.withUnsafeBufferPointer { bytes in
            var reader = Reader(bytes: bytes)
            guard let value = reader.value(depth: 0) else { return nil }
            reader.skipSpace()
            return reader.index == bytes.count ? value : nil
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func value(depth: Int) -> Value? {
            guard depth < PlainJSON.maxDepth else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return string().map { .string($0) }
            case UInt8(ascii: "["):
                index += 1
                var items: [Value] = []
                if take(UInt8(ascii: "]")) { return .array(items) }
                repeat {
                    guard let item = value(depth: depth + 1) else { return nil }
                    items.append(item)
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "]")) ? .array(items) : nil
            case UInt8(ascii: "{"):
                index += 1
                var members: [String: Value] = [:]
                if take(UInt8(ascii: "}")) { return .object(members) }
                repeat {
                    skipSpace()
                    guard let key = string(), take(UInt8(ascii: ":")), let member = value(depth: depth + 1) else { return nil }
                    guard members.updateValue(member, forKey: key) == nil else { return nil }
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "}")) ? .object(members) : nil
            default:
                // A number, true, false or null: letters, digits and signs up to the next delimiter.
                let start = index
                while index < bytes.count, Self.isScalarByte(bytes[index]) { index += 1 }
                return index > start ? .other : nil
            }
        }

        /// A string with no backslash and no control character.
        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") || bytes[index] < 0x20 { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        static func isScalarByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "E"):
                return true
            default:
                return false
            }
        }
    }
}
