/// Counts by state, as `gen3 status` and the progress display show them.
public struct JobProgress: Equatable, Sendable {
    /// Files in each state.
    public var files: [JobState: Int] = [:]
    /// Expected bytes of the files in each state (files of unknown size count 0).
    public var expectedBytes: [JobState: Int64] = [:]
    /// Bytes on disk of the files in each state, partial files included.
    public var bytesDone: [JobState: Int64] = [:]

    /// No files.
    public init() {}

    /// Files in `state`.
    public func count(_ state: JobState) -> Int { files[state] ?? 0 }
    /// Files in the job.
    public var total: Int { files.values.reduce(0, +) }
    /// Expected bytes of the whole job.
    public var totalExpectedBytes: Int64 { expectedBytes.values.reduce(0, +) }
    /// Bytes of finished files plus partial bytes of the rest.
    public var bytesOnDisk: Int64 { bytesDone.values.reduce(0, +) }
    /// Files that need no more work: done, skipped or failed.
    public var finished: Int { count(.done) + count(.skipped) + count(.failed) }

    /// Bytes still to download for the files a run works on (pending, claimed, failed), as far as
    /// their sizes are known: expected less what their part files already hold.
    public var bytesToDownload: Int64 {
        [JobState.pending, .claimed, .failed].reduce(0) { $0 + max(0, (expectedBytes[$1] ?? 0) - (bytesDone[$1] ?? 0)) }
    }
}

/// A file that failed, with the reason.
public struct FailedFile: Equatable, Sendable, Codable {
    /// The file's GUID.
    public let guid: String
    /// The reason of its last attempt.
    public let error: String
    /// Attempts made.
    public let attempts: Int
    /// The HTTP status of its last answer, when there was one.
    public let httpStatus: Int?
}
