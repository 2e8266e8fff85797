import CDigest

/// HMAC-SHA256, for the test commons' token signatures and presigned URLs.
public enum HMACSHA256 {
    public static func digest(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                cdigest_hmac_sha256(keyBytes.baseAddress, keyBytes.count, messageBytes.baseAddress, messageBytes.count, &out)
            }
        }
        precondition(ok == 1, "HMAC-SHA256 failed")
        return out
    }
}
