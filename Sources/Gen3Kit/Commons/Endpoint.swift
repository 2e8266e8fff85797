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

    /// The origin of a commons (`scheme://host[:port]`, lowercased, no path): how the job stores and
    /// compares the commons a file belongs to. A bare host gets https, except a loopback one, which
    /// gets http: traffic that never leaves the machine needs no TLS (the test commons; a tunnel).
    package static func origin(of value: String) throws -> String {
        var text = value.trimmingSpaces()
        if !text.contains("://") { text = (isLoopback(text) ? "http://" : "https://") + text }
        let normalized = try normalize(text)
        let schemeEnd = normalized.range(of: "://")!.upperBound
        let authority = normalized[schemeEnd...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty else { throw CommonsError.badEndpoint(value) }
        return (normalized[..<schemeEnd] + authority).lowercased()
    }

    /// Whether `origin` (or a bare `host[:port]`) names this machine: 127.0.0.0/8, `::1` or localhost.
    package static func isLoopback(_ origin: String) -> Bool {
        var host = Substring(origin)
        if let scheme = host.range(of: "://") { host = host[scheme.upperBound...] }
        host = host.prefix { $0 != "/" }
        if host.hasPrefix("[") { return host.hasPrefix("[::1]") }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        let lower = host.lowercased()
        return lower == "localhost" || (lower.hasPrefix("127.") && lower.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber })
    }

    /// Whether requests to `origin` may go out: https always; plain http only to this machine or
    /// with `--insecure`.
    package static func isAllowed(_ origin: String, insecure: Bool) -> Bool {
        origin.hasPrefix("https://") || insecure || isLoopback(origin)
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
