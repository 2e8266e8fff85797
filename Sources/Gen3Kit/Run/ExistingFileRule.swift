/// What a run does about something already at a file's destination when the file's row is not
/// done: the job never replaces a file it did not write unless told to (`--overwrite`).
///
/// In order: a regular file of the expected size and md5 *is* the file (its `done` record was lost,
/// or it came from elsewhere) and is recorded done without a request, whatever the flags; with
/// `--skip-completed` and no md5 to check, the right size counts as skipped; the job's own earlier
/// attempt of a file without md5 (claimed before, right size) is taken as done; an empty file
/// beside the job's own complete part file is the name an earlier attempt took just before a crash
/// (on a file system without hard links: `Durability`) and is replaced; otherwise the policy
/// decides: refuse (the file fails, nothing on disk changes), rename, or overwrite.
enum ExistingFileRule {
    enum Decision: Equatable {
        /// Record the file done with this md5, without downloading it.
        case isTheFile(md5: String)
        /// Record the file skipped (`--skip-completed`).
        case skip
        /// Keep what is there; download to the next free numbered name.
        case rename
        /// Download and replace what is there once verified.
        case overwrite
        /// Fail the file with this reason; touch nothing.
        case refuse(String)
    }

    /// Whether `decide` asks for the md5 of what is at the path (`md5OfExisting`) with these inputs.
    static func needsMD5(
        entry: FilePaths.Entry, expectedSize: Int64?, expectedMD5: String?, claimedBefore: Bool, skipCompleted: Bool
    ) -> Bool {
        guard case .regular(let size) = entry, let expectedSize, size == expectedSize else { return false }
        return expectedMD5 != nil || (!skipCompleted && claimedBefore)
    }

    /// - Parameters:
    ///   - entry: what `lstat` found at `path` (not `.none`).
    ///   - md5OfExisting: hashes the regular file at `path`; called only when its md5 decides.
    ///   - claimedBefore: an earlier attempt of this row may have put it there.
    ///   - partFile: what `lstat` finds at the file's part name; called only when it decides.
    static func decide(
        path: String, entry: FilePaths.Entry, expectedSize: Int64?, expectedMD5: String?,
        claimedBefore: Bool, skipCompleted: Bool, policy: ExistingFiles,
        md5OfExisting: () -> String?, partFile: () -> FilePaths.Entry
    ) -> Decision {
        if case .regular(let size) = entry, let expectedSize, size == expectedSize {
            if let expectedMD5 {
                if md5OfExisting() == expectedMD5 { return .isTheFile(md5: expectedMD5) }
            } else if skipCompleted {
                return .skip
            } else if claimedBefore, let md5 = md5OfExisting() {
                return .isTheFile(md5: md5)
            }
        }
        if entry == .regular(size: 0), let expectedSize, expectedSize > 0, claimedBefore, partFile() == .regular(size: expectedSize) {
            // Taken empty, then the complete part file renamed over it: a crash came in between.
            return .overwrite
        }
        switch policy {
        case .rename: return .rename
        case .overwrite: return .overwrite
        case .refuse: return .refuse(refusal(path: path, entry: entry, expectedSize: expectedSize, expectedMD5: expectedMD5))
        }
    }

    private static func refusal(path: String, entry: FilePaths.Entry, expectedSize: Int64?, expectedMD5: String?) -> String {
        let what: String
        switch entry {
        case .regular(let size) where size == expectedSize && expectedMD5 != nil:
            what = "a file of the right size but another md5"
        case .regular(let size) where size == expectedSize:
            what = "a file of the right size with no md5 to check it against (--skip-completed counts it as skipped)"
        case .regular(let size):
            what = "a file of \(size) bytes, not the expected \(expectedSize.map(String.init) ?? "(unknown)")"
        default:
            what = "a symlink, directory or other special file"
        }
        return
            "\(path) is already there and this job did not write it: \(what). It was left as it is; run again with --rename to save the download beside it, or --overwrite to replace it"
    }
}
