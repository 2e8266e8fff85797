#if canImport(Glibc)
import Glibc
#endif

/// Bytes of a file through one fixed 64 KiB buffer, with the line and column of the next byte.
final class ByteStream {
    let path: String
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 16
    private var position = 0
    private var count = 0
    private var atEnd = false
    private(set) var line = 1
    private(set) var column = 1

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ManifestError(path: path, line: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// The next byte without consuming it, or nil at the end of the file.
    @inline(__always)
    func peek() throws -> UInt8? {
        if position < count { return buffer[position] }
        return try refill() ? buffer[position] : nil
    }

    /// Consumes and returns the next byte, or nil at the end of the file.
    @inline(__always)
    func next() throws -> UInt8? {
        if position >= count, !(try refill()) { return nil }
        let byte = buffer[position]
        position += 1
        if byte == 0x0a {
            line += 1
            column = 1
        } else if byte & 0xc0 != 0x80 {
            column += 1
        }
        return byte
    }

    /// Skips a UTF-8 byte order mark at the start of the file.
    func skipByteOrderMark() throws {
        guard try peek() == 0xef else { return }
        _ = try refillAtLeast(3)
        if count - position >= 3, buffer[position + 1] == 0xbb, buffer[position + 2] == 0xbf { position += 3 }
    }

    func error(_ reason: String, line: Int? = nil, column: Int? = nil) -> ManifestError {
        ManifestError(path: path, line: line ?? self.line, column: column ?? self.column, reason: reason)
    }

    private func refill() throws -> Bool {
        if atEnd { return false }
        position = 0
        count = 0
        while true {
            let got = read(fd, buffer, capacity)
            if got < 0 {
                if errno == EINTR { continue }
                throw error("cannot read: \(String(cString: strerror(errno)))")
            }
            if got == 0 {
                atEnd = true
                return false
            }
            count = got
            return true
        }
    }

    private func refillAtLeast(_ wanted: Int) throws -> Bool {
        if count - position >= wanted { return true }
        // Only used at the very start of the file, where the buffer holds the first bytes.
        guard position == 0 || count == 0 else { return false }
        while count < wanted && !atEnd {
            let got = read(fd, buffer + count, capacity - count)
            if got <= 0 {
                atEnd = got == 0
                if got < 0 && errno != EINTR { break }
                continue
            }
            count += got
        }
        return count - position >= wanted
    }
}
