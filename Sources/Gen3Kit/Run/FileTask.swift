import Digest

/// One file's attempt as it moves through the worker: metadata (if missing), presigned URL, body.
final class FileTask {
    enum Phase {
        /// The DRS object (name, size, md5, access methods), when the manifest lacked metadata.
        case metadata
        /// indexd's record, when the commons' DRS route does not know the id.
        case indexRecord
        /// A presigned URL from Fence's download route.
        case presign
        /// The DRS object, for its access methods (the commons has no Fence download route).
        case accessMethods
        /// A URL from the DRS access route.
        case access
        /// The body, from the storage host.
        case download
    }

    var file: ClaimedFile
    /// The commons it is fetched from.
    let session: CommonsSession
    /// What that commons knows it by (`DRSIdentifier`): the GUID without a `drs://` wrapping.
    let objectID: String
    /// How its commons was decided when that took a resolver's answer (or found none): said
    /// with the reason when the file fails.
    var resolution: String?
    var phase: Phase = .presign
    let startedAt = Clock.now()
    var sink: (any FileSink)?
    /// The body's byte ranges and their requests, when it comes on several connections at once.
    var ranges: RangedDownload?
    /// Where the part file stood when this attempt's body request started.
    var resumeOffset: Int64 = 0
    /// Something the job did not write is at the final name and `--overwrite` lets the file replace it.
    var replacesExisting = false
    /// Nothing was at the part file's name when the attempt started.
    var partAbsent = false
    /// What `OnDiskReader` read of the file at the final name: its length and md5 (nil: it could
    /// not be read).
    var readExisting: (path: String, length: Int64, md5: String?)?
    /// What `OnDiskReader` read of the part file, for the sink to go on after it.
    var readPart: (length: Int64, md5: MD5)?
    /// The part file was read back (or could not be) once this attempt.
    var partReadBack = false
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
    /// What the commons' DRS route said of the file, once asked.
    var drs: DRSObject?
    /// The bearer token of this attempt's Fence request, only to scrub it from server text we keep.
    var bearer: String?

    /// `objectID`, when the caller has read the GUID already, saves reading it again.
    init(file: ClaimedFile, session: CommonsSession, resolution: String? = nil, objectID: String? = nil) {
        self.file = file
        self.session = session
        self.resolution = resolution
        self.objectID = objectID ?? DRSIdentifier(file.guid).objectID
    }

    /// This attempt's number, 1-based.
    var attempt: Int { file.attempts + 1 }
}
