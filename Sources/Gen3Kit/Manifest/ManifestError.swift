import Foundation

/// A manifest problem a user can fix: which file, where, and what is wrong.
public struct ManifestError: Error, LocalizedError, Equatable {
    public var path: String
    public var line: Int
    public var column: Int?
    public var reason: String

    public init(path: String, line: Int, column: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var errorDescription: String? {
        let place = column.map { "\(line):\($0)" } ?? "\(line)"
        return "\(path):\(place): \(reason)"
    }
}
