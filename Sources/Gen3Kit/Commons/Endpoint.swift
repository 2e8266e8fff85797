/// The commons' base URL.
public enum Endpoint {
    /// `my-commons.org` → `https://my-commons.org`; keeps http(s) URLs; drops trailing slashes.
    public static func normalize(_ value: String) throws -> String {
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
    public static func resolve(flag: String?, credentials: Credentials?) throws -> String {
        if let flag, !flag.isEmpty { return try normalize(flag) }
        if let issuer = credentials?.issuerEndpoint { return try normalize(issuer) }
        throw CommonsError.noEndpoint
    }

    /// A GUID as a URL path: kept whole (prefixes, `/`, `drs://…`), other bytes percent-encoded.
    static func pathEncoded(_ guid: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/:".utf8)
        var out = ""
        for byte in guid.utf8 {
            if allowed.contains(byte) {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0f)])
            }
        }
        return out
    }
}
