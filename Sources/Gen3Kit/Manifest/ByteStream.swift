#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file read front to back with read(2) through one fixed 64 KiB buffer, never more.
///
/// Readers scan `base[position..<end]` directly (copied into locals in their loops) and call `fill()`
/// when they reach `end`. The stream also keeps the bookkeeping behind messages: the current line,
/// which readers advance with `newline(at:)`, and byte columns.
final class ByteStream {
    static let capacity = 1 << 16

    /// The path as given, for messages.
    let path: String
    /// The buffer; valid bytes are `position..<end`.
    let base: UnsafeMutablePointer<UInt8>
    /// The next unread byte in `base`.
    var position = 0
    /// One past the last valid byte in `base`.
    private(set) var end = 0
    /// The file offset of `base[0]`.
    private(set) var offset = 0
    /// The 1-based line of `base[position]`, as far as the reader has reported newlines.
    private(set) var line = 1
    /// The file offset of the first byte of `line`.
    private var lineStart = 0
    private let descriptor: Int32
    private var reachedEnd = false

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ManifestError(path: path, line: 0, reason: "cannot open the manifest: \(Self.describeErrno())")
        }
        base = .allocate(capacity: Self.capacity)
    }

    deinit {
        close(descriptor)
        base.deallocate()
    }

    /// Moves the unread bytes to the front of the buffer and reads more after them.
    /// - Returns: false when nothing more could be read: the end of the file, or a full buffer.
    func fill() throws -> Bool {
        if position > 0 {
            let unread = end - position
            if unread > 0 { memmove(base, base + position, unread) }
            offset += position
            end = unread
            position = 0
        }
        guard !reachedEnd, end < Self.capacity else { return false }
        while true {
            let count = read(descriptor, base + end, Self.capacity - end)
            if count > 0 {
                end += count
                return true
            }
            if count == 0 {
                reachedEnd = true
                return false
            }
            if errno == EINTR { continue }
            throw ManifestError(path: path, line: line, reason: "cannot read the manifest: \(Self.describeErrno())")
        }
    }

    /// Makes at least `count` unread bytes available, unless the file ends first.
    /// - Returns: whether `count` bytes are available.
    func ensure(_ count: Int) throws -> Bool {
        while end - position < count {
            guard try fill() else { return false }
        }
        return true
    }

    /// The next byte without consuming it, or nil at the end of the file.
    func peek() throws -> UInt8? {
        if position == end, !(try fill()) { return nil }
        return base[position]
    }

    /// Skips a UTF-8 byte order mark at the start of the file; columns then count from after it.
    func skipByteOrderMark() throws {
        _ = try ensure(3)
        guard end - position >= 3, base[position] == 0xef, base[position + 1] == 0xbb, base[position + 2] == 0xbf else { return }
        position += 3
        lineStart = offset + position
    }

    /// Records that `base[position]` is a line feed: the next byte starts a new line.
    func newline(at position: Int) {
        line += 1
        lineStart = offset + position + 1
    }

    /// The 1-based byte column of `base[position]`.
    func column(at position: Int) -> Int {
        offset + position - lineStart + 1
    }

    /// The 1-based byte column of the byte at `fileOffset`, which must be on the current line.
    func column(atFileOffset fileOffset: Int) -> Int {
        fileOffset - lineStart + 1
    }

    /// A problem at `base[position]`.
    func error(_ reason: String, at position: Int) -> ManifestError {
        ManifestError(path: path, line: line, column: column(at: position), reason: reason)
    }

    private static func describeErrno() -> String {
        String(cString: strerror(errno))
    }
}
