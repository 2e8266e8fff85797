import Foundation

/// The one JSON policy, for reading: a manifest, which may be any size, streams through
/// `JSONLexer`; a Fence answer with presigned URLs, read once per file on the hot path, goes through
/// `PlainJSON` (Foundation's parser cost more than the rest of a small file's handling); every other
/// small document (a credentials file, a JWT's claims, an indexd record, a token answer) is
/// `Decodable` through `SmallJSON.decode`. Writing is `JSONEncoder` throughout.
package enum SmallJSON {
    /// `T` from `data`; nil when it is not JSON or not an object.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) -> T? {
        try? JSONDecoder().decode(type, from: data)
    }

    /// JSON text of `value` (sorted keys, slashes unescaped).
    static func encode(_ value: some Encodable) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension KeyedDecodingContainer {
    /// A member of the expected type, or nil when it is missing, null or of another type: a
    /// document with one odd member still yields the others.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
