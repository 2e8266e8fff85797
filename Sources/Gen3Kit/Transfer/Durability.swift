import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// One step that makes a download durable, as an observer sees it.
package enum DurabilityEvent: Equatable, Sendable {
    /// One file's data reached the disk (`fdatasync`); the path is the file's final name.
    case dataSynced(String)
    /// Everything written in the file system holding this directory reached the disk (`syncfs`):
    /// the data and the names of every file there.
    case fileSystemSynced(String)
    /// A file got its final name (link or rename).
    case named(String)
    /// A directory's entries reached the disk (`fsync` of the directory).
    case directorySynced(String)
    /// These files' outcomes were committed to the job database.
    case committed([Int64])
}

/// Every step that makes a download durable, in one place: a file's data sync, the link or rename
/// to its final name (which replaces nothing unless told to), a directory's sync and a file
/// system's. The order they are called in is the crash-safety rule (`Completion`); an injected
/// observer sees each step as it happens, so tests can check that order.
package struct Durability: Sendable {
    /// Sees each step after it succeeded; called on whichever thread took it.
    package typealias Observer = @Sendable (DurabilityEvent) -> Void
    let observer: Observer?

    package init(observer: Observer? = nil) { self.observer = observer }

    /// `fdatasync` of the open file that will be `finalPath`.
    func syncData(_ fd: Int32, path: String, finalPath: String) throws {
        guard fdatasync(fd) == 0 else { throw SinkError.from(errno: errno, path: path) }
        observer?(.dataSynced(finalPath))
    }

    /// Renames `path` to `finalPath`; without `replacing`, only while nothing is there.
    func rename(_ path: String, to finalPath: String, replacing: Bool) throws {
        let code = replacing ? Glibc.rename(path, finalPath) : clinux_rename_noreplace(path, finalPath)
        guard code == 0 else { throw Self.namingError(errno, finalPath) }
        observer?(.named(finalPath))
    }

    /// Gives the unnamed file open as `fd` the name `finalPath`; with `replacing`, something there
    /// is replaced, never followed: the file is linked at `partPath` and renamed over it. Returns
    /// whether `partPath` was used.
    func link(_ fd: Int32, to finalPath: String, replacing: Bool, partPath: String) throws -> Bool {
        if clinux_link_unnamed(fd, finalPath) == 0 {
            observer?(.named(finalPath))
            return false
        }
        guard errno == EEXIST, replacing else { throw Self.namingError(errno, finalPath) }
        guard clinux_link_unnamed(fd, partPath) == 0 else { throw SinkError.from(errno: errno, path: partPath) }
        try rename(partPath, to: finalPath, replacing: true)
        return true
    }

    /// Syncs a directory so the names in it survive a power loss; throws when that cannot be done
    /// (the directory cannot be opened, out of open files, or the sync fails), so that nothing is
    /// recorded as if it had been.
    func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SinkError.from(errno: errno, path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SinkError.from(errno: errno, path: path) }
        observer?(.directorySynced(path))
    }

    /// `syncfs` of the file system holding `directory`; false when it could not be done or
    /// reported a write error (the caller then syncs file by file).
    func syncFileSystem(of directory: String) -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard clinux_syncfs(fd) == 0 else { return false }
        observer?(.fileSystemSynced(directory))
        return true
    }

    /// The outcomes of `fileIDs` are committed.
    func committed(_ fileIDs: [Int64]) {
        observer?(.committed(fileIDs))
    }

    private static func namingError(_ code: Int32, _ path: String) -> SinkError {
        code == EEXIST ? .exists(path: path) : SinkError.from(errno: code, path: path)
    }
}
