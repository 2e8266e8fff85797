/// One file's attempt as it moves through the worker: metadata (if missing), presigned URL, body.
final class FileTask {
    enum Phase { case metadata, presign, download }

    var file: ClaimedFile
    var phase: Phase = .presign
    let startedAt = Clock.now()
    var sink: (any FileSink)?
    /// Where the part file stood when this attempt's body request started.
    var resumeOffset: Int64 = 0
    /// Something the job did not write is at the final name and `--overwrite` lets the file replace it.
    var replacesExisting = false
    /// Nothing was at the part file's name when the attempt started.
    var partAbsent = false
    /// The body is complete in memory and its md5 is still to be checked, by the renamer.
    var md5Deferred = false
    /// This file asks Fence for its URL on its own, not in a bulk request (`PresignAhead`).
    var presignAlone = false
    /// A 401 from Fence gets one token refresh per attempt.
    var refreshedToken = false
    /// The request in flight, for the log (`-vv`): method and URL, a presigned URL without its signature.
    var requestLabel = ""
    /// When it started (monotonic seconds).
    var requestStarted = 0.0
    /// The bearer token of this attempt's Fence request, only to scrub it from server text we keep.
    var bearer: String?

    init(file: ClaimedFile) { self.file = file }

    /// This attempt's number, 1-based.
    var attempt: Int { file.attempts + 1 }
}
