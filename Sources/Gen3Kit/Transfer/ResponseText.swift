/// Server text turned into something safe to put in a message: cut short, control characters
/// (which could rewrite a terminal) replaced by spaces.
enum ResponseText {
    static func snippet(_ bytes: [UInt8], maxLength: Int) -> String {
        let text = String(decoding: bytes.prefix(maxLength), as: UTF8.self)
        return String(text.unicodeScalars.map { $0.value < 0x20 ? " " : Character($0) }).trimmingSpaces()
    }
}
