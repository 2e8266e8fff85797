import Crypto
import Foundation

/// JWT-shaped strings: a base64url header and payload and a signature that only this commons
/// checks (an HMAC; the real Fence uses RS256, which clients never verify).
enum TestJWT {
    static func make(_ claims: [String: Any], secret: String) -> String {
        let header = encode(["alg": "RS256", "typ": "JWT"])
        let payload = encode(claims)
        return header + "." + payload + "." + signature(header + "." + payload, secret: secret)
    }

    /// The claims of a token this commons signed, or nil.
    static func verify(_ token: String, secret: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, signature(parts[0] + "." + parts[1], secret: secret) == parts[2] else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func signature(_ text: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return base64url(Data(mac))
    }

    private static func encode(_ object: [String: Any]) -> String {
        base64url((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
