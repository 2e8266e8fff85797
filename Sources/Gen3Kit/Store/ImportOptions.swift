/// What `import-manifest` was asked to do.
public struct ImportOptions: Sendable {
    /// Where files go; made absolute at import.
    public var downloadPath: String
    public var filenameFormat: FilenameFormat = .original
    /// Save a later file whose name is taken as `name_1.ext` instead of stopping the import.
    public var rename = false
    public var endpoint: String?
    public var credentialsPath: String?
    public var protocolName: String?

    public init(downloadPath: String, filenameFormat: FilenameFormat = .original, rename: Bool = false,
                endpoint: String? = nil, credentialsPath: String? = nil, protocolName: String? = nil) {
        self.downloadPath = downloadPath
        self.filenameFormat = filenameFormat
        self.rename = rename
        self.endpoint = endpoint
        self.credentialsPath = credentialsPath
        self.protocolName = protocolName
    }
}

/// What an import did.
public struct ImportSummary: Equatable, Sendable {
    /// Entries read from the manifest.
    public var entries = 0
    /// New rows.
    public var added = 0
    /// Entries whose GUID the job already had from an earlier import (left as they were).
    public var alreadyInJob = 0
    /// Entries repeating a GUID earlier in the same manifest (collapsed into one row).
    public var duplicates = 0
    /// Files saved under `name_N.ext` because their name was taken (`--rename`).
    public var renamed = 0
    /// Files whose name and size will be looked up in indexd at download time.
    public var withoutMetadata = 0

    public init() {}
}
