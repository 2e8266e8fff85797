import Digest

/// What a part file is hashed with while it is written.
protocol StreamingMD5: AnyObject {
    func update(_ bytes: UnsafeRawBufferPointer)
    /// The lowercase hex digest; the stream is spent afterwards.
    func finalize() -> String
}

extension MD5: StreamingMD5 {}
