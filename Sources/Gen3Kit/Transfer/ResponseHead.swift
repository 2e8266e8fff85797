/// The status line and the headers we act on, of the last response of a request (redirects reset it).
public struct ResponseHead: Equatable, Sendable {
    public var status = 0
    public var contentLength: Int64?
    /// The first byte of a 206 response's `Content-Range`.
    public var rangeStart: Int64?
    /// Seconds from `Retry-After` (delta form; an HTTP date is read as 60 s).
    public var retryAfter: Double?
    public var location: String?

    public init() {}

    /// Feeds one raw header line (with its CRLF) as curl hands it over.
    public mutating func consume(_ raw: UnsafeRawBufferPointer) {
        let line = String(decoding: raw, as: UTF8.self).trimmingSpaces()
        if line.hasPrefix("HTTP/") {
            self = ResponseHead()
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2 { status = Int(parts[1]) ?? 0 }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
        switch name {
        case "content-length": contentLength = Int64(value)
        case "retry-after": retryAfter = Double(value).map { max(0, $0) } ?? 60
        case "location": location = value
        case "content-range":
            // "bytes 100-199/200"
            if let range = value.split(separator: " ").dropFirst().first, let dash = range.firstIndex(of: "-") {
                rangeStart = Int64(range[..<dash])
            }
        default: break
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var view = self
        while let first = view.first, set.contains(first) { view.removeFirst() }
        while let last = view.last, set.contains(last) { view.removeLast() }
        return String(view)
    }
}
