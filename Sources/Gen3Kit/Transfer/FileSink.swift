import CLinux
import Digest

#if canImport(Glibc)
    import Glibc
#endif

/// Writes one download to `<dest>.part`, hashing as it writes (the file is never re-read), and
/// moves it to its final name only once it is complete, verified and synced.
/// Opens with `O_NOFOLLOW`: a symlink planted at the part name is refused. Whatever is at the final
/// name is never followed, and replaced only with `replacesExisting` (`--overwrite`): otherwise the
/// final name is taken only while it is free, and `commit` fails with `SinkError.exists`.
///
/// A small file with nothing at its part name yet is assembled in memory instead and written out by
/// `materialize` (to a file with no name until `commit`), which the renamer calls on its own
/// thread: creating a file is the costliest step of a small download, and this keeps it off the
/// transfer loop.
package final class FileSink {
    package let finalPath: String
    package let partPath: String
    package let expectedSize: Int64?
    /// `commit` may replace what is at the final name.
    package let replacesExisting: Bool
    /// The crash tests' hooks, injected by the run when set.
    var hooks: TestHooks?
    /// Bytes in the part file, including a prefix kept from an earlier attempt.
    package private(set) var written: Int64 = 0
    /// The first write error, reported once the transfer stops.
    package private(set) var failure: SinkError?
    private var fd: Int32 = -1
    private var writebackStart: Int64 = 0
    static let writebackStep: Int64 = 8 << 20
    private var hasher: StreamingMD5
    /// The body of a small file until `materialize` writes it out; nil once the part file is open.
    private var memory: [UInt8]?
    /// The open file has no name yet (see `materialize`).
    private var isUnnamed = false
    /// We opened (or created) the part file: only then may `discard` delete what is at its name.
    private var usesPartFile = false

    /// Files smaller than this are assembled in memory: they arrive in a burst or two, so a
    /// partial one is not worth resuming, and the memory is bounded by the renamer's queue.
    package static let memoryLimit: Int64 = 64 << 10

    package init(finalPath: String, expectedSize: Int64?, replacesExisting: Bool = false) {
        self.finalPath = finalPath
        self.partPath = finalPath + ".part"
        self.expectedSize = expectedSize
        self.replacesExisting = replacesExisting
        hasher = MD5()
    }

    /// Files at least this large are hashed and written on a thread of their own (`BackgroundWriter`).
    static let backgroundHashingThreshold: Int64 = 8 << 20

    /// The background writer of a large file, once its part file is open.
    private var writer: BackgroundWriter? { hasher as? BackgroundWriter }

    /// Hands the rest of a large file to a `BackgroundWriter`, which continues the md5 of the
    /// prefix already in the part file and writes from its end.
    private func startWriterIfLarge() {
        guard (expectedSize ?? 0) >= Self.backgroundHashingThreshold, let md5 = hasher as? MD5 else { return }
        hasher = BackgroundWriter(md5: md5, fd: fd, directFD: openDirect(), offset: written)
    }

    /// A second descriptor of the open part file for direct writes, or -1. Opened by name, so it
    /// is used only if it is the very file `fd` has open.
    private func openDirect() -> Int32 {
        let direct = clinux_open_direct(partPath)
        guard direct >= 0 else { return -1 }
        var mine = stat()
        var theirs = stat()
        guard fstat(fd, &mine) == 0, fstat(direct, &theirs) == 0, mine.st_dev == theirs.st_dev, mine.st_ino == theirs.st_ino else {
            Glibc.close(direct)
            return -1
        }
        return direct
    }

    deinit {
        writer?.finish()
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Opens the part file, keeping (and hashing) what an earlier attempt left when it can still be
    /// part of this file. Returns the offset to ask the server for.
    /// `partAbsent` says the caller has just seen nothing at the part name (saving a lookup).
    package func open(partAbsent: Bool = false) throws -> Int64 {
        if let expectedSize, expectedSize < Self.memoryLimit, partAbsent || !FilePaths.exists(partPath) {
            memory = []
            memory?.reserveCapacity(Int(expectedSize))
            written = 0
            return 0
        }
        try openPartFile()
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        let existing = Int64(info.st_size)
        if let expectedSize, existing > expectedSize {
            try restart()
            return 0
        }
        try hashPrefix(length: existing)
        startWriterIfLarge()
        return written
    }

    /// Whether the body is still in memory (it has no part file yet).
    var inMemory: Bool { memory != nil }

    /// Writes an in-memory body out, to a file that stays open for `sync`. With `unnamed`, the file
    /// gets no name until `commit` links it at its final name: one directory entry per file instead
    /// of a part name and a rename, and nothing left behind if we die first. Where the file system
    /// has no unnamed files, the part file is used. No-op for a file written to disk all along.
    package func materialize(unnamed: Bool = false) throws {
        guard let body = memory else { return }
        memory = nil
        if unnamed, let slash = finalPath.lastIndex(of: "/") {
            let directory = slash == finalPath.startIndex ? "/" : String(finalPath[..<slash])
            fd = clinux_open_unnamed(directory, 0o644)
            if fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL {
                throw SinkError.from(errno: errno, path: directory)
            }
            isUnnamed = fd >= 0
        }
        if fd < 0 {
            try openPartFile()
            guard ftruncate(fd, 0) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        }
        if let code = body.withUnsafeBytes({ Self.writeAll(fd, $0) }) { throw SinkError.from(errno: code, path: partPath) }
    }

    /// Writes all of `bytes` at the descriptor's offset; nil, or the errno of the write that failed.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let result = Glibc.write(fd, base + offset, bytes.count - offset)
            if result < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += result
        }
        return nil
    }

    private func openPartFile() throws {
        fd = Glibc.open(partPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SinkError.from(errno: errno, path: partPath) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw SinkError.file(path: partPath, errno: EINVAL) }
        usesPartFile = true
    }

    /// Throws away what was written and starts from byte 0 (the server ignored our Range).
    package func restart() throws {
        if memory != nil {
            memory?.removeAll(keepingCapacity: true)
            written = 0
            hasher = MD5()
            return
        }
        writer?.finish()
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        written = 0
        writebackStart = 0
        hasher = MD5()
        startWriterIfLarge()
    }

    /// Appends body bytes; false (with `failure` set) stops the transfer.
    package func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil, let base = bytes.baseAddress else { return failure == nil }
        var chunk = UnsafeRawBufferPointer(start: base, count: bytes.count)
        if let expectedSize, written + Int64(chunk.count) > expectedSize {
            chunk = UnsafeRawBufferPointer(start: base, count: Int(max(0, expectedSize - written)))
            failure = .tooLarge(expected: expectedSize)
        }
        if memory != nil {
            // Hashed in one go when `md5()` is asked for (on the renamer's thread).
            memory?.append(contentsOf: chunk)
        } else if let writer {
            if let code = writer.failure {
                failure = SinkError.from(errno: code, path: partPath)
                return false
            }
            writer.update(chunk)
        } else {
            if let code = Self.writeAll(fd, chunk) {
                failure = SinkError.from(errno: code, path: partPath)
                return false
            }
            hasher.update(chunk)
            let end = written + Int64(chunk.count)
            if end - writebackStart >= Self.writebackStep {
                // Start writing this stretch to disk now, so the sync after the last byte has little
                // left to wait for; a failure here only means the sync does all the work.
                _ = clinux_start_writeback(fd, writebackStart, end - writebackStart)
                writebackStart = end
            }
        }
        written += Int64(chunk.count)
        hooks?.afterWrite(chunk.count)
        return failure == nil
    }

    /// Waits until every byte handed to a background writer is in the part file, and takes over its
    /// write error as `failure`. Call before reading `failure` at the end of a transfer.
    package func drain() {
        guard let writer else { return }
        writer.finish()
        if let code = writer.failure, failure == nil { failure = SinkError.from(errno: code, path: partPath) }
    }

    /// The md5 of everything written. The part file stays open for `sync`.
    package func md5() -> String {
        if let memory {
            let whole = MD5()
            memory.withUnsafeBytes { whole.update($0) }
            return whole.finalize()
        }
        return hasher.finalize()
    }

    /// The md5 of each sink's body, as `md5()` gives it; the bodies still in memory are hashed side
    /// by side (`MD5.hex(ofEach:)`), in order of size so that the messages sharing a call end
    /// together.
    static func md5s(of sinks: [FileSink]) -> [String] {
        var digests = sinks.map { $0.memory == nil ? $0.md5() : "" }
        let inMemory = sinks.indices.filter { sinks[$0].memory != nil }.sorted { sinks[$0].written < sinks[$1].written }
        for (index, digest) in zip(inMemory, MD5.hex(ofEach: inMemory.map { sinks[$0].memory ?? [] })) { digests[index] = digest }
        return digests
    }

    /// Flushes the part file's data to disk (`materialize` first for an in-memory body).
    package func sync() throws {
        try materialize()
        drain()
        if let failure { throw failure }
        guard fdatasync(fd) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
    }

    /// Moves the verified, synced part file to its final name and closes it.
    package func commit() throws {
        if isUnnamed {
            try linkUnnamed()
        } else if replacesExisting {
            guard rename(partPath, finalPath) == 0 else { throw SinkError.from(errno: errno, path: finalPath) }
        } else {
            guard clinux_rename_noreplace(partPath, finalPath) == 0 else { throw Self.namingError(errno, finalPath) }
        }
        close()
    }

    private static func namingError(_ code: Int32, _ path: String) -> SinkError {
        code == EEXIST ? .exists(path: path) : SinkError.from(errno: code, path: path)
    }

    /// Gives the unnamed file its final name. With `replacesExisting`, something already there is
    /// replaced, never followed: the file is linked at the part name and renamed over it.
    private func linkUnnamed() throws {
        if clinux_link_unnamed(fd, finalPath) == 0 {
            isUnnamed = false
            return
        }
        guard errno == EEXIST, replacesExisting else { throw Self.namingError(errno, finalPath) }
        guard clinux_link_unnamed(fd, partPath) == 0 else {
            throw SinkError.from(errno: errno, path: partPath)
        }
        isUnnamed = false
        usesPartFile = true
        guard rename(partPath, finalPath) == 0 else { throw SinkError.from(errno: errno, path: finalPath) }
    }

    /// Closes and deletes the part file (after a size or md5 mismatch).
    package func discard() {
        memory = nil
        writer?.finish()
        // An unnamed file goes with its descriptor; what is at the part name is ours only if we opened it.
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        if usesPartFile { unlink(partPath) }
        isUnnamed = false
        written = 0
    }

    /// Closes, keeping the part file for the next attempt to continue (an in-memory body is
    /// dropped: it is small enough to fetch again whole).
    package func close() {
        // Queued bytes reach the file before it closes: `written` stays what the next attempt finds.
        writer?.finish()
        if memory != nil || isUnnamed {
            memory = nil
            isUnnamed = false
            written = 0
        }
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    private func hashPrefix(length: Int64) throws {
        hasher = MD5()
        written = 0
        guard length > 0 else { return }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        try FileHashing.read(fd: fd, path: partPath, limit: length) { chunk in
            hasher.update(chunk)
            written += Int64(chunk.count)
        }
        guard written == length, lseek(fd, 0, SEEK_END) == length else { throw SinkError.file(path: partPath, errno: EIO) }
        writebackStart = written
    }
}

/// Reading files back to check them: the rare path (resume, or a file already at its destination).
package enum FileHashing {
    /// Calls `body` with successive chunks of the open file, up to `limit` bytes.
    static func read(fd: Int32, path: String, limit: Int64 = .max, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = limit
        while remaining > 0 {
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

    /// Syncs a directory so renames inside it survive a power loss.
    package static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
