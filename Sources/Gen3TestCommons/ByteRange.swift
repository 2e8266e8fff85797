import Foundation

/// A single `Range: bytes=…` request, resolved against an object's size.
enum ByteRange: Equatable {
    /// `offset..<end` of the object.
    case satisfiable(Range<Int>)
    /// The start lies at or past the end of the object: answer 416.
    case unsatisfiable

    /// Parses `bytes=a-`, `bytes=a-b` and `bytes=-n`; nil for anything else (several ranges, other
    /// units, garbage), which a server ignores by sending the whole object.
    init?(header: String, size: Int) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst(6)
        guard !spec.contains(",") else { return nil }
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard bounds.count == 2 else { return nil }
        if bounds[0].isEmpty {
            guard let suffix = Int(bounds[1]), suffix >= 0 else { return nil }
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .satisfiable(max(0, size - suffix)..<size)
            return
        }
        guard let first = Int(bounds[0]), first >= 0 else { return nil }
        var last = size - 1
        if !bounds[1].isEmpty {
            guard let given = Int(bounds[1]), given >= first else { return nil }
            last = min(given, size - 1)
        }
        self = first >= size ? .unsatisfiable : .satisfiable(first..<last + 1)
    }

    /// The first byte a single-range `header` asks for, even past the end: `a` of `bytes=a-…`,
    /// `size - n` of `bytes=-n`; nil when it is not one range of bytes.
    static func requestedStart(header: String, size: Int) -> Int? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes="), !trimmed.contains(",") else { return nil }
        let bounds = trimmed.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard bounds.count == 2 else { return nil }
        if bounds[0].isEmpty { return Int(bounds[1]).map { max(0, size - $0) } }
        return Int(bounds[0])
    }
}
