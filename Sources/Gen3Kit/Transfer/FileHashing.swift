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

    /// The size and md5 of the regular file at `path`, or nil if there is none (symlinks are not followed).
    package static func sizeAndMD5(path: String) -> (size: Int64, md5: String)? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let hasher = MD5()
        var total: Int64 = 0
        do {
            try read(fd: fd, path: path) { chunk in
                hasher.update(chunk)
                total += Int64(chunk.count)
            }
        } catch { return nil }
        return (total, hasher.finalize())
    }
}
