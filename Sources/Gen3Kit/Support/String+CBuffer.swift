extension String {
    /// The text in a C buffer a call filled (`getcwd`, `gethostname`), up to its first NUL.
    init(filledBuffer buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
