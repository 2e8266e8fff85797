/// The job-wide settings stored with the job. The credentials *path* only: never a key or token.
public struct JobSettings: Equatable, Sendable {
    /// The commons, when given at import; else the API key's issuer.
    public var endpoint: String?
    /// The credentials file given at import (its path only).
    public var credentialsPath: String?
    /// The directory the files go to.
    public var downloadPath: String
    /// How destination names were chosen.
    public var filenameFormat: FilenameFormat
    /// The storage protocol asked of Fence (`s3`, `gs`, …), when one was.
    public var protocolName: String?
    /// The DRS resolver given at import (`--drs-resolver`), when one was.
    public var drsResolver: String?

    /// Settings for a new job.
    public init(
        endpoint: String? = nil, credentialsPath: String? = nil, downloadPath: String,
        filenameFormat: FilenameFormat = .original, protocolName: String? = nil, drsResolver: String? = nil
    ) {
        self.drsResolver = drsResolver
        self.endpoint = endpoint
        self.credentialsPath = credentialsPath
        self.downloadPath = downloadPath
        self.filenameFormat = filenameFormat
        self.protocolName = protocolName
    }
}
