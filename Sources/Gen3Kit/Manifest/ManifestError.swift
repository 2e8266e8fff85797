import Foundation

/// A manifest problem a user can fix: says which file, where, and what is wrong.
///
/// `line` is 1-based (0 when the problem is the file as a whole, e.g. it cannot be opened);
/// `column` counts bytes from 1 and is nil when the problem is a whole row or value.
public struct ManifestError: LocalizedError, Equatable {
    /// The manifest's path as given.
    public var path: String
    /// The 1-based line, or 0 for the whole file.
    public var line: Int
    /// The 1-based byte column, when one place is to blame.
    public var column: Int?
    /// What is wrong, in words a user can act on.
    public var reason: String

    /// An error at `line` (and `column`) of the manifest at `path`.
    public init(path: String, line: Int, column: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `files.json:3:17: expected ',' or ']' after an array element`, or `files.tsv:12: …` without a
    /// column, or `files.csv: …` for the whole file.
    public var errorDescription: String? {
        guard line > 0 else { return "\(path): \(reason)" }
        let place = column.map { "\(line):\($0)" } ?? "\(line)"
        return "\(path):\(place): \(reason)"
    }
}
