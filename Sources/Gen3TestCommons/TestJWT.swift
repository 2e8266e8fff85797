import Digest
import Foundation

/// JWT-shaped strings — base64url header, payload and signature — as Fence hands out for API keys
/// and access tokens. The header says RS256 like Fence's, but the signature is an HMAC-SHA256
/// under the commons' secret: clients never verify it, and the commons only needs to recognise
/// its own.
struct TestJWT: Sendable {
    private let secret: [UInt8]

    init(secret: String) { self.secret = Array(secret.utf8) }

    /// A signed token carrying `claims` (serialised with sorted keys, so the same claims give the same token).
    func make(_ claims: [String: Any]) -> String {
        let signed = Self.base64url(Self.json(["alg": "RS256", "typ": "JWT"])) + "." + Self.base64url(Self.json(claims))
        return signed + "." + signature(signed)
    }

    /// The `iss` claim of the bearer token in an `Authorization` header value, read without checking
    /// the signature (whoever signed it), or nil when the header carries no JWT.
    static func unverifiedIssuer(ofAuthorization authorization: String) -> String? {
        let token = authorization.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64urlDecoded(String(parts[1])),
            let claims = try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
        else { return nil }
        return claims["iss"] as? String
    }

    /// The claims of a token this key signed, or nil for anything else.
    func claims(of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, signature(parts[0] + "." + parts[1]) == parts[2],
            let payload = Self.base64urlDecoded(String(parts[1]))
        else { return nil }
        return try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
    }

    /// The base64url HMAC of `text`.
    func signature(_ text: String) -> String {
        Self.base64url(Data(HMACSHA256.digest(key: secret, message: Array(text.utf8))))
    }

    /// The lowercase hex HMAC of `text` (for presigned URLs).
    func hexSignature(_ text: String) -> String {
        Hex.lowercase(HMACSHA256.digest(key: secret, message: Array(text.utf8)))
    }

    private static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64urlDecoded(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
