import Foundation

/// Why a file could not be written.
package enum SinkError: Error, LocalizedError, Equatable {
    /// The disk or directory refuses writes (full, read-only, permission): no retry can help, so the
    /// worker stops claiming instead of failing every file.
    case storage(path: String, errno: Int32)
    /// Something else went wrong with this one file.
    case file(path: String, errno: Int32)
    /// The process (or the system) has no more open files to give: every file after this one
    /// would fail the same way, so the worker stops.
    case openFiles(path: String, errno: Int32)
    /// A symlink sits where we write; we never write through one.
    case symlink(path: String)
    /// The server sent more than the file's size.
    case tooLarge(expected: Int64)
    /// Something appeared at the final name while the file was downloading; it is left as it is.
    case exists(path: String)

    package var errorDescription: String? {
        switch self {
        case .storage(let path, let code):
            return
                "cannot write \(path): \(String(cString: strerror(code))); free space, fix permissions or raise the file size limit, then run again (finished and partial files are kept)"
        case .file(let path, let code):
            return "cannot write \(path): \(String(cString: strerror(code)))"
        case .openFiles(let path, let code):
            return
                "cannot open \(path): \(String(cString: strerror(code))); lower --max-concurrent-requests or raise the open-file limit (ulimit -n), then run again (finished and partial files are kept)"
        case .symlink(let path):
            return "refusing to write through the symlink at \(path)"
        case .tooLarge(let expected):
            return "the server sent more than the expected \(expected) bytes"
        case .exists(let path):
            return
                "\(path) appeared while this file was downloading and was left as it is; run again with --rename to save this one beside it, or --overwrite to replace it"
        }
    }

    /// Whether the whole worker must stop rather than this file fail.
    package var stopsWorker: Bool {
        switch self {
        case .storage, .openFiles: return true
        default: return false
        }
    }

    static func from(errno code: Int32, path: String) -> SinkError {
        switch code {
        case ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EFBIG: return .storage(path: path, errno: code)
        case EMFILE, ENFILE: return .openFiles(path: path, errno: code)
        case ELOOP: return .symlink(path: path)
        default: return .file(path: path, errno: code)
        }
    }
}
