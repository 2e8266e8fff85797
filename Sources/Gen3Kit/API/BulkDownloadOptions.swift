/// Options of ``Gen3Commons/download(manifest:to:options:)``.
public struct BulkDownloadOptions: Sendable {
    /// The job database. Default: `<download path>/.gen3/jobs.sqlite`, so calling again resumes.
    public var database: String?
    /// File names on disk: the original name (made safe), the GUID, or both.
    public var filenameFormat: FilenameFormat = .original
    /// Save a file whose name is taken (by another file of the manifest, or on disk by a file the
    /// job did not write) as `name_1.ext` instead of failing.
    public var rename = false
    /// The storage protocol to ask Fence for (`s3`, `gs`, …).
    public var protocolName: String?
    /// Concurrency, retries and timeouts (`workers` is ignored: the API runs in this process).
    public var run = RunOptions()

    /// The defaults: the same as `gen3 download-multiple-async` without flags.
    public init() {}

    /// `run`, with `rename` applied to files found on disk (unless `run` says to overwrite them),
    /// and the default transfers fitted to the open-file limit as `gen3` fits them.
    var runOptions: RunOptions {
        var options = run
        if rename && options.existingFiles == .refuse { options.existingFiles = .rename }
        if options.maxConcurrentRequests == RunOptions().maxConcurrentRequests {
            options.maxConcurrentRequests = OpenFileLimit.fittingTransfers(
                limit: OpenFileLimit.raise(), atMost: options.maxConcurrentRequests)
            options.distantMaxConcurrentRequests =
                options.distantMaxConcurrentRequests
                ?? OpenFileLimit.fittingTransfers(limit: OpenFileLimit.raise(), atMost: RunOptions.defaultDistantMaxConcurrentRequests)
        }
        return options
    }
}

/// What a bulk download ended with, in the shape of the Gen3 SDK's result.
public struct BulkDownloadResult: Sendable, Equatable {
    /// GUIDs downloaded and verified (or found on disk with the right size and md5).
    public var succeeded: [String]
    /// GUIDs that failed, with the last reason and the attempts made.
    public var failed: [FailedFile]
    /// GUIDs counted as already present (`RunOptions.skipCompleted`).
    public var skipped: [String]
}
