import Digest

#if canImport(Glibc)
    import Glibc
#endif

/// Reading files back to check them: the rare path (resume, or a file already at its destination).
package enum FileHashing {
    /// Calls `body` with successive chunks of the open file, up to `limit` bytes, until `stopped`
    /// says to stop.
    static func read(
        fd: Int32, path: String, limit: Int64 = .max, stopped: () -> Bool = { false }, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws {
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = limit
        while remaining > 0 && !stopped() {
            let count = Glibc.read(fd, buffer, Int(min(Int64(size), remaining)))
            if count < 0 {
                if errno == EINTR { continue }
                throw SinkError.from(errno: errno, path: path)
            }
            if count == 0 { break }
            body(UnsafeRawBufferPointer(start: buffer, count: count))
            remaining -= Int64(count)
        }
    }

    /// The length and md5 (not finalized, so that more bytes may follow) of the regular file at
    /// `path`, or nil if there is none (symlinks are not followed), it cannot be read, or `stopped`
    /// says to stop.
    static func lengthAndMD5(path: String, stopped: () -> Bool = { false }) -> (length: Int64, md5: MD5)? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let md5 = MD5()
        var length: Int64 = 0
        do {
            try read(fd: fd, path: path, stopped: stopped) { chunk in
                md5.update(chunk)
                length += Int64(chunk.count)
            }
        } catch { return nil }
        return stopped() ? nil : (length, md5)
    }
}
