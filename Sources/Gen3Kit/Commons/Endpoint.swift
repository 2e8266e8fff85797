/// The commons' base URL.
package enum Endpoint {
    /// `my-commons.org` → `https://my-commons.org`; keeps http(s) URLs; drops trailing slashes.
    package static func normalize(_ value: String) throws -> String {
        var text = value.trimmingSpaces()
        if !text.contains("://") { text = "https://" + text }
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { throw CommonsError.badEndpoint(value) }
        while text.hasSuffix("/") { text.removeLast() }
        let host = text.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "@" }) else { throw CommonsError.badEndpoint(value) }
        return text
    }

    /// The endpoint from a flag, else from the API key's issuer.
    package static func resolve(flag: String?, credentials: Credentials?) throws -> String {
        if let flag, !flag.isEmpty { return try normalize(flag) }
        if let issuer = credentials?.issuerEndpoint { return try normalize(issuer) }
        throw CommonsError.noEndpoint
    }

    /// A GUID as a URL path: kept whole (prefixes, `/`, `drs://…`), other bytes percent-encoded.
    static func pathEncoded(_ guid: String) -> String {
        // Every file's Fence request passes through here, and GUIDs almost never need encoding.
        if guid.utf8.allSatisfy(isPathSafe) { return guid }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(guid.utf8.count * 3)
        for byte in guid.utf8 {
            if isPathSafe(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isPathSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
