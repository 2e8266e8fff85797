import CDigest

/// A streaming MD5, as manifests and indexd give checksums: for integrity, not security.
public final class MD5 {
    private let stream: OpaquePointer

    public init() {
        guard let stream = cdigest_md5_new() else {
            fatalError("the system's OpenSSL (libcrypto) offers no MD5 implementation")
        }
        self.stream = stream
    }

    deinit { cdigest_md5_free(stream) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        cdigest_md5_update(stream, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest as lowercase hex; the stream is spent afterwards.
    public func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: 16)
        guard cdigest_md5_final(stream, &digest) == 1 else { fatalError("MD5 could not be finalized") }
        return Hex.lowercase(digest)
    }

    /// The lowercase hex MD5 of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let md5 = MD5()
        md5.update(bytes)
        return md5.finalize()
    }
}
