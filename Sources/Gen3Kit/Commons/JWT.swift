import Foundation

/// Reads the claims of a JWT without verifying it: we only need `iss` (which commons issued an API
/// key) and `exp` (when an access token runs out); the commons verifies signatures.
enum JWT {
    static func claims(of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object
    }

    static func expiry(of token: String) -> Double? {
        (claims(of: token)?["exp"] as? NSNumber)?.doubleValue
    }
}
