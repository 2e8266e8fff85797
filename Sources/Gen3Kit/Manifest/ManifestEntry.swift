/// One file named by a manifest.
public struct ManifestEntry: Equatable, Sendable {
    /// Trimmed and otherwise verbatim: bare, prefixed (`dg.ABCD/…`) or `drs://host/…`.
    public var guid: String
    /// As the manifest gives it: untrusted (made safe when the destination is chosen).
    public var fileName: String?
    public var size: Int64?
    /// Lowercase hex.
    public var md5: String?
    /// Where the entry starts, for messages.
    public var line: Int

    public init(guid: String, fileName: String? = nil, size: Int64? = nil, md5: String? = nil, line: Int = 0) {
        self.guid = guid
        self.fileName = fileName
        self.size = size
        self.md5 = md5
        self.line = line
    }
}

/// A pull-based manifest reader: memory use does not depend on how many entries the file has.
public protocol ManifestReader: AnyObject {
    /// The next entry, or nil at the end. Throws ``ManifestError``.
    func next() throws -> ManifestEntry?
}
