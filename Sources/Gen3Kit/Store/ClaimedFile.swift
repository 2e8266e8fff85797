/// A row a worker holds under its lease: everything needed to fetch the file.
public struct ClaimedFile: Equatable, Sendable {
    public let id: Int64
    public let guid: String
    public var fileName: String?
    public var destName: String?
    public var expectedSize: Int64?
    public var expectedMD5: String?
    /// Attempts recorded before this one.
    public let attempts: Int
    /// Whether any worker held this row before (a crash, a stop or a retry): only then can a file
    /// or part file of ours be at its destination already. A first claim skips those lookups.
    public var claimedBefore = true
}
