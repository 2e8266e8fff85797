/// The common shape of a Fence answer, `{"url": "https://…"}`, read without Foundation: a flat
/// object whose keys and values are strings with no escapes. Anything else (escapes, numbers,
/// nesting, a repeated key) is not this shape and yields nil, for a full JSON parser to read.
/// Every file's presigned URL passes through here.
struct FlatJSONObject {
    private(set) var strings: [String: String] = [:]

    init?(_ body: [UInt8]) {
        var index = 0
        func skipSpace() {
            while index < body.count, [0x20, 0x09, 0x0A, 0x0D].contains(body[index]) { index += 1 }
        }
        func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < body.count, body[index] == byte else { return false }
            index += 1
            return true
        }
        /// A string with no backslash and no control character.
        func plainString() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < body.count, body[index] != UInt8(ascii: "\"") {
                if body[index] == UInt8(ascii: "\\") || body[index] < 0x20 { return nil }
                index += 1
            }
            guard index < body.count else { return nil }
            defer { index += 1 }
            guard let text = String(validating: body[start..<index], as: UTF8.self) else { return nil }
            return text
        }
        guard take(UInt8(ascii: "{")) else { return nil }
        if !take(UInt8(ascii: "}")) {
            repeat {
                guard let key = plainString(), take(UInt8(ascii: ":")), let value = plainString(),
                      strings.updateValue(value, forKey: key) == nil else { return nil }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        guard index == body.count else { return nil }
    }
}
