import Foundation

/// A real file system without the Linux calls the engine prefers, mounted for one test by
/// `scripts/portable-fs.sh` and unmounted when released (or by `unmount`). Neither has `O_TMPFILE`
/// or `renameat2(RENAME_NOREPLACE)`, and both are FUSE, where `syncfs` writes nothing to the
/// daemon's disk; `exfat` has no hard links either.
public final class PortableFileSystem {
    public enum Kind: String, CaseIterable, Sendable {
        /// exFAT (exfat-fuse) on a loop device: FAT-like volumes, some SMB and FUSE mounts.
        case exfat
        /// A FUSE pass-through (bindfs) of a directory, with hard links: as NFS has it.
        case bindfs
    }

    public let kind: Kind
    /// The mount point.
    public let path: String
    private var mounted = true

    /// Mounts a new, empty file system of `kind` at `path` (made when missing, empty otherwise).
    public init(_ kind: Kind, at path: String) throws {
        self.kind = kind
        self.path = path
        let result = RepositoryScript.run("portable-fs.sh", ["mount", path, kind.rawValue])
        guard result.status == 0 else { throw PortableFileSystemError.mountFailed(kind, path, result.stderr) }
    }

    deinit { unmount() }

    /// Unmounts it; what was written there goes with it.
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = RepositoryScript.run("portable-fs.sh", ["unmount", path])
    }

    /// What the file system refuses, as `scripts/portable-fs.sh probe` reports it (for messages).
    public var probe: String { RepositoryScript.run("portable-fs.sh", ["probe", path]).stdout }
}

public enum PortableFileSystemError: Error, CustomStringConvertible {
    case mountFailed(PortableFileSystem.Kind, String, String)

    public var description: String {
        switch self {
        case .mountFailed(let kind, let path, let stderr):
            return "scripts/portable-fs.sh could not mount \(kind.rawValue) at \(path) (it needs root and /dev/fuse): \(stderr)"
        }
    }
}
