/// One file the commons serves, with what a manifest says about it.
public struct TestObject: Sendable, Hashable {
    /// Position in ``TestCommons/objects``; the storage host serves it at `/objects/<index>`.
    public let index: Int
    /// The GUID Fence and indexd know it by, e.g. `dg.TEST/3f2a…`.
    public let guid: String
    /// The name indexd and manifests give it (`file-<index>.bin` for generated objects).
    public let fileName: String
    /// Size in bytes.
    public let size: Int
    /// md5 of the content, lowercase hex.
    public let md5: String

    /// The GUID's prefix, e.g. `dg.TEST` (empty when the GUID has no `/`).
    public var prefix: String { guid.firstIndex(of: "/").map { String(guid[..<$0]) } ?? "" }

    /// The GUID without its prefix: what follows the first `/` (the UUID of a generated object).
    public var uuid: String { guid.firstIndex(of: "/").map { String(guid[guid.index(after: $0)...]) } ?? guid }
}
