/// Options of ``Gen3Commons/download(manifest:to:options:)``.
public struct BulkDownloadOptions: Sendable {
    /// The job database. Default: `<download path>/.gen3/jobs.sqlite`, so calling again resumes.
    public var database: String?
    public var filenameFormat: FilenameFormat = .original
    /// Save a file whose name is taken (by another file of the manifest, or on disk by a file the
    /// job did not write) as `name_1.ext` instead of failing.
    public var rename = false
    /// The storage protocol to ask Fence for (`s3`, `gs`, …).
    public var protocolName: String?
    /// Concurrency, retries and timeouts (`workers` is ignored: the API runs in this process).
    public var run = RunOptions()

    public init() {}

    /// `run`, with `rename` applied to files found on disk (unless `run` says to overwrite them).
    var runOptions: RunOptions {
        var options = run
        if rename && options.existingFiles == .refuse { options.existingFiles = .rename }
        return options
    }
}

/// What a bulk download ended with, in the shape of the Gen3 SDK's result.
public struct BulkDownloadResult: Sendable, Equatable {
    public var succeeded: [String]
    public var failed: [FailedFile]
    public var skipped: [String]
}
