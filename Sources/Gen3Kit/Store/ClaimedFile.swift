/// A row a worker holds under its lease: everything needed to fetch the file.
package struct ClaimedFile: Equatable, Sendable {
    package let id: Int64
    package let guid: String
    package var fileName: String?
    package var destName: String?
    package var expectedSize: Int64?
    package var expectedMD5: String?
    /// Attempts recorded before this one.
    package let attempts: Int
    /// Whether any worker held this row before (a crash, a stop or a retry): only then can a file
    /// or part file of ours be at its destination already. A first claim skips those lookups.
    package var claimedBefore = true
    /// The commons it is fetched from (`scheme://host[:port]`); nil until decided, or when it is the
    /// job's endpoint.
    package var commons: String?
}
