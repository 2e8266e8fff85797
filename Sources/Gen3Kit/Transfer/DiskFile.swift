import CLinux
import Digest

#if canImport(Glibc)
    import Glibc
#endif

/// The file a sink writes on disk: its part file `<name>.part` (opened with `O_NOFOLLOW`, so a
/// planted symlink is refused) or, for a small body, a file with no name yet; how it gets its final
/// name (`Durability`), and how it is closed or thrown away.
final class DiskFile {
    let finalPath: String
    let partPath: String
    /// `commit` may replace what is at the final name (`--overwrite`).
    let replacesExisting: Bool
    let durability: Durability
    private(set) var fd: Int32 = -1
    /// The open file has no name yet (`openUnnamed`).
    private(set) var isUnnamed = false
    /// We opened (or created) the part file: only then may `discard` delete what is at its name.
    private(set) var usesPartFile = false

    init(finalPath: String, replacesExisting: Bool, durability: Durability) {
        self.finalPath = finalPath
        self.partPath = finalPath + ".part"
        self.replacesExisting = replacesExisting
        self.durability = durability
    }

    deinit { close() }

    /// Opens (or creates) the part file, which must be a regular file.
    func openPart() throws {
        fd = Glibc.open(partPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SinkError.from(errno: errno, path: partPath) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw SinkError.file(path: partPath, errno: EINVAL) }
        usesPartFile = true
    }

    /// Opens the part file to go on writing where an earlier attempt stopped: the md5 of what is
    /// there and its length, or a fresh start when it is longer than `expectedSize`. `readPart`,
    /// the length and md5 read earlier, spares reading it again if its length is still that.
    func openToContinue(expectedSize: Int64?, readPart: (length: Int64, md5: MD5)? = nil) throws -> (md5: MD5, length: Int64) {
        try openPart()
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        let existing = Int64(info.st_size)
        if let expectedSize, existing > expectedSize {
            try truncate()
            return (MD5(), 0)
        }
        let md5 = MD5()
        var length: Int64 = 0
        guard existing > 0 else { return (md5, 0) }
        if let readPart, readPart.length == existing {
            guard lseek(fd, 0, SEEK_END) == existing else { throw SinkError.from(errno: errno, path: partPath) }
            return (readPart.md5, existing)
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        try FileHashing.read(fd: fd, path: partPath, limit: existing) { chunk in
            md5.update(chunk)
            length += Int64(chunk.count)
        }
        guard length == existing, lseek(fd, 0, SEEK_END) == existing else { throw SinkError.file(path: partPath, errno: EIO) }
        return (md5, length)
    }

    /// Opens a file with no name in the final name's directory (`O_TMPFILE`): `commit` links it.
    /// False where the file system has none.
    func openUnnamed() throws -> Bool {
        guard let slash = finalPath.lastIndex(of: "/") else { return false }
        let directory = slash == finalPath.startIndex ? "/" : String(finalPath[..<slash])
        fd = clinux_open_unnamed(directory, 0o644)
        if fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL { throw SinkError.from(errno: errno, path: directory) }
        isUnnamed = fd >= 0
        return isUnnamed
    }

    /// Empties the file and writes from its start again.
    func truncate() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
    }

    /// Cuts the file to its first `length` bytes (and writes after them from now on).
    func truncate(to length: Int64) throws {
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) == length else {
            throw SinkError.from(errno: errno, path: partPath)
        }
    }

    /// Writes all of `bytes` at the current offset.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let code = Self.writeAll(fd, bytes) { throw SinkError.from(errno: code, path: partPath) }
    }

    /// Writes all of `bytes` at the descriptor's offset; nil, or the errno of the write that failed.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
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

    /// Writes all of `bytes` at `offset`, leaving the descriptor's offset alone; nil, or the errno
    /// of the write that failed.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var done = 0
        while done < bytes.count {
            let result = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if result < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += result
        }
        return nil
    }

    /// A second descriptor of the open part file for direct writes, or -1. Opened by name, so it
    /// is used only if it is the very file `fd` has open.
    func openDirect() -> Int32 {
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

    /// Flushes the file's data to disk.
    func sync() throws { try durability.syncData(fd, path: partPath, finalPath: finalPath) }

    /// Gives the verified, synced file its final name and closes it.
    func commit() throws {
        if isUnnamed {
            usesPartFile = try durability.link(fd, to: finalPath, replacing: replacesExisting, partPath: partPath)
            isUnnamed = false
        } else {
            try durability.rename(partPath, to: finalPath, replacing: replacesExisting)
        }
        close()
    }

    /// Closes and deletes the file (after a size or md5 mismatch).
    func discard() {
        // An unnamed file goes with its descriptor; what is at the part name is ours only if we opened it.
        close()
        if usesPartFile { unlink(partPath) }
    }

    /// Closes, keeping the part file for the next attempt to continue (an unnamed file is gone).
    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        isUnnamed = false
    }
}
