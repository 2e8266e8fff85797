import Foundation

/// Reads the claims of a JWT without verifying it: we only need `iss` (which commons issued an API
/// key) and `exp` (when an access token runs out); the commons verifies signatures.
enum JWT {
    /// The claims gen3 reads.
    struct Claims: Decodable {
        var iss: String?
        var exp: Double?

        enum CodingKeys: String, CodingKey { case iss, exp }

        init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            iss = members.lenient(String.self, .iss)
            exp = members.lenient(Double.self, .exp)
        }
    }

    static func claims(of token: String) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return SmallJSON.decode(Claims.self, from: data)
    }

    static func expiry(of token: String) -> Double? {
        claims(of: token)?.exp
    }
}
