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

    /// Renames `path` to `finalPath`; without `replacing`, only while nothing is there, in the first
    /// way the file system has (`renameNoReplace`).
    func rename(_ path: String, to finalPath: String, replacing: Bool) throws {
        if replacing {
            guard Glibc.rename(path, finalPath) == 0 else { throw Self.namingError(errno, finalPath) }
        } else {
            try renameNoReplace(path, to: finalPath)
        }
        observer?(.named(finalPath))
    }

    /// A rename that never replaces what is at `finalPath`: `renameat2` with `RENAME_NOREPLACE`;
    /// where the file system has none (NFS, FUSE), a hard link and the unlink of `path`; where it
    /// has no hard links either (FAT, exFAT, some SMB and FUSE mounts), `finalPath` taken first as
    /// an empty file of our own (`O_EXCL`, the one exclusive way to take a name there) and `path`
    /// renamed over it. A crash in between leaves the file at both names (the next run finds the
    /// verified file and drops the part name: `JobExecutor`), or the empty file at the final name
    /// beside the complete part file (which the next run replaces: `ExistingFileRule`).
    private func renameNoReplace(_ path: String, to finalPath: String) throws {
        if clinux_rename_noreplace(path, finalPath) == 0 { return }
        guard errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP else { throw Self.namingError(errno, finalPath) }
        if Glibc.link(path, finalPath) == 0 {
            guard unlink(path) == 0 else { throw SinkError.from(errno: errno, path: path) }
            return
        }
        // EPERM here says the file system has no hard links, not that the disk refuses writes.
        guard errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS else { throw Self.namingError(errno, finalPath) }
        let reserved = open(finalPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard reserved >= 0 else { throw Self.namingError(errno, finalPath) }
        defer { close(reserved) }
        if Glibc.rename(path, finalPath) == 0 { return }
        let code = errno
        // Only the empty file taken above goes, never one that took its place.
        if FilePaths.isFile(finalPath, openAs: reserved) { unlink(finalPath) }
        throw SinkError.from(errno: code, path: finalPath)
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

    /// `syncfs` of the file system holding `directory`; false when it could not be done, reported a
    /// write error, or is not known to reach the disk there (the caller then syncs file by file).
    func syncFileSystem(of directory: String) -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard Self.syncsWholeFileSystem(clinux_file_system_type(fd)), clinux_syncfs(fd) == 0 else { return false }
        observer?(.fileSystemSynced(directory))
        return true
    }

    /// The file systems (`statfs` magic numbers) whose `syncfs` writes every file's data and names
    /// to stable storage: ext2/3/4, XFS, Btrfs, F2FS, bcachefs, ZFS, NFS (its writeback commits on
    /// the server), overlayfs (it syncs its upper file system) and tmpfs (nothing to write). On
    /// others it may succeed having written nothing durable: on FUSE it hands dirty pages to the
    /// daemon and never asks it to sync (a file's `fdatasync` does), and SMB sends no flush.
    static func syncsWholeFileSystem(_ type: Int64) -> Bool {
        [0xEF53, 0x5846_5342, 0x9123_683E, 0xF2F5_2010, 0xCA45_1A4E, 0x2FC1_2FC1, 0x6969, 0x794C_7630, 0x0102_1994].contains(type)
    }

    /// The outcomes of `fileIDs` are committed.
    func committed(_ fileIDs: [Int64]) {
        observer?(.committed(fileIDs))
    }

    private static func namingError(_ code: Int32, _ path: String) -> SinkError {
        code == EEXIST ? .exists(path: path) : SinkError.from(errno: code, path: path)
    }
}
