/// One file named by a manifest.
public struct ManifestEntry: Equatable, Sendable {
    /// The file's GUID, trimmed and otherwise verbatim: a bare UUID, `dg.ABCD/<uuid>` or
    /// `drs://host/<id>` or `drs://prefix:<uuid>` (`DRSIdentifier`). Never empty.
    public var guid: String
    /// The name the manifest gives, verbatim and untrusted (it may hold `..`, `/` or NUL; it is made
    /// safe where the destination is chosen); nil when absent or empty.
    public var fileName: String?
    /// The size in bytes; nil when absent or empty.
    public var size: Int64?
    /// The MD5 sum as 32 lowercase hex digits; nil when absent or empty.
    public var md5: String?
    /// The commons the manifest says the file is in (its `commons_url`), as `scheme://host[:port]`;
    /// nil when absent, and then the GUID's form or a resolver decides (`CommonsResolver`).
    public var commonsURL: String?
    /// The 1-based line where the entry starts, for messages.
    public var line: Int

    /// An entry; what is missing (name, size, md5) is looked up in indexd when the file is downloaded.
    public init(
        guid: String, fileName: String? = nil, size: Int64? = nil, md5: String? = nil, commonsURL: String? = nil, line: Int = 0
    ) {
        self.guid = guid
        self.commonsURL = commonsURL
        self.fileName = fileName
        self.size = size
        self.md5 = md5
        self.line = line
    }
}

/// A pull-based manifest reader; memory use does not depend on how many entries the file has.
package protocol ManifestReader: AnyObject {
    /// The next entry, or nil at the end. Throws ``ManifestError``; after a throw every later call
    /// throws the same error.
    func next() throws -> ManifestEntry?
}
