/// Options of ``Gen3Commons/download(manifest:to:options:)``.
public struct BulkDownloadOptions: Sendable {
    /// The job database. Default: `<download path>/.gen3/jobs.sqlite`, so calling again resumes.
    public var database: String?
    public var filenameFormat: FilenameFormat = .original
    /// Save a file whose name is taken as `name_1.ext` instead of failing the import.
    public var rename = false
    /// The storage protocol to ask Fence for (`s3`, `gs`, …).
    public var protocolName: String?
    /// Concurrency, retries and timeouts (`workers` is ignored: the API runs in this process).
    public var run = RunOptions()

    public init() {}
}

/// What a bulk download ended with, in the shape of the Gen3 SDK's result.
public struct BulkDownloadResult: Sendable, Equatable {
    public var succeeded: [String]
    public var failed: [FailedFile]
    public var skipped: [String]
}
