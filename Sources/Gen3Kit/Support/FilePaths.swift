#if canImport(Glibc)
    import Glibc
#endif

/// Path helpers over POSIX calls.
package enum FilePaths {
    /// `path` made absolute against the current directory, with `~/` expanded.
    package static func absolute(_ path: String) -> String {
        var path = path
        if path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") {
            path = String(cString: home) + path.dropFirst()
        }
        if path.hasPrefix("/") { return normalized(path) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return normalized(String(filledBuffer: buffer) + "/" + path)
    }

    /// Removes `.` components, empty components and trailing slashes (not `..`: symlinks make it unsafe).
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    /// Joins a directory and a plain file name.
    package static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Creates `path` and its parents (mode 0755 before umask); true when it exists afterwards.
    @discardableResult
    package static func makeDirectories(_ path: String) -> Bool {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST { return false }
        }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// What is at a path, without following a symlink there.
    package enum Entry: Equatable {
        case none
        case regular(size: Int64)
        case other
    }

    /// Free bytes for an unprivileged writer in the file system holding `path`, or the nearest
    /// existing directory above it.
    package static func freeSpace(nearest path: String) -> Int64? {
        var candidate = absolute(path)
        while true {
            var info = statvfs()
            if statvfs(candidate, &info) == 0 { return Int64(info.f_bavail) * Int64(info.f_frsize) }
            guard let slash = candidate.lastIndex(of: "/"), candidate != "/" else { return nil }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
    }

    package static func entry(_ path: String) -> Entry {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .none }
        return (info.st_mode & S_IFMT) == S_IFREG ? .regular(size: Int64(info.st_size)) : .other
    }

    /// Whether `path` is, or links to, a regular file: one that can be read again from the start
    /// (a pipe's bytes are gone once read).
    package static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    package static func fileSize(_ path: String) -> Int64? {
        guard case .regular(let size) = entry(path) else { return nil }
        return size
    }

    /// Whether `path` names the very file open as `fd` (not a symlink to it).
    package static func isFile(_ path: String, openAs fd: Int32) -> Bool {
        var named = stat()
        var open = stat()
        return lstat(path, &named) == 0 && fstat(fd, &open) == 0 && named.st_dev == open.st_dev && named.st_ino == open.st_ino
    }

    /// Whether `path` and `other` are names of one file (hard links), neither a symlink.
    package static func areOneFile(_ path: String, _ other: String) -> Bool {
        var first = stat()
        var second = stat()
        return lstat(path, &first) == 0 && lstat(other, &second) == 0 && first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    package static func exists(_ path: String) -> Bool {
        entry(path) != .none
    }
}
