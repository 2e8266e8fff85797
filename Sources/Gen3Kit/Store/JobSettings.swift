/// The job-wide settings stored with the job. The credentials *path* only: never a key or token.
public struct JobSettings: Equatable, Sendable {
    public var endpoint: String?
    public var credentialsPath: String?
    public var downloadPath: String
    public var filenameFormat: FilenameFormat
    public var protocolName: String?

    public init(endpoint: String? = nil, credentialsPath: String? = nil, downloadPath: String,
                filenameFormat: FilenameFormat = .original, protocolName: String? = nil) {
        self.endpoint = endpoint
        self.credentialsPath = credentialsPath
        self.downloadPath = downloadPath
        self.filenameFormat = filenameFormat
        self.protocolName = protocolName
    }
}
