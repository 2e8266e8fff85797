/// Counts by state, as `gen3 status` and the progress display show them.
public struct JobProgress: Equatable, Sendable {
    public var files: [JobState: Int] = [:]
    public var expectedBytes: [JobState: Int64] = [:]
    public var bytesDone: [JobState: Int64] = [:]

    public init() {}

    public func count(_ state: JobState) -> Int { files[state] ?? 0 }
    public var total: Int { files.values.reduce(0, +) }
    public var totalExpectedBytes: Int64 { expectedBytes.values.reduce(0, +) }
    /// Bytes of finished files plus partial bytes of the rest.
    public var bytesOnDisk: Int64 { bytesDone.values.reduce(0, +) }
    public var finished: Int { count(.done) + count(.skipped) + count(.failed) }
}

/// A file that failed, with the reason.
public struct FailedFile: Equatable, Sendable, Codable {
    public let guid: String
    public let error: String
    public let attempts: Int
    public let httpStatus: Int?
}
