/// What `import-manifest` was asked to do.
package struct ImportOptions: Sendable {
    /// Where files go; made absolute at import.
    package var downloadPath: String
    package var filenameFormat: FilenameFormat = .original
    /// Save a later file whose name is taken as `name_1.ext` instead of stopping the import.
    package var rename = false
    package var endpoint: String?
    package var credentialsPath: String?
    package var protocolName: String?
    /// The DRS resolver runs use unless they name one (`RunOptions.drsResolver`).
    package var drsResolver: String?

    package init(
        downloadPath: String, filenameFormat: FilenameFormat = .original, rename: Bool = false,
        endpoint: String? = nil, credentialsPath: String? = nil, protocolName: String? = nil, drsResolver: String? = nil
    ) {
        self.drsResolver = drsResolver
        self.downloadPath = downloadPath
        self.filenameFormat = filenameFormat
        self.rename = rename
        self.endpoint = endpoint
        self.credentialsPath = credentialsPath
        self.protocolName = protocolName
    }
}

/// What an import did.
package struct ImportSummary: Equatable, Sendable {
    /// Entries read from the manifest.
    package var entries = 0
    /// New rows.
    package var added = 0
    /// Entries whose GUID the job already had from an earlier import (left as they were).
    package var alreadyInJob = 0
    /// Entries repeating a GUID earlier in the same manifest (collapsed into one row).
    package var duplicates = 0
    /// Files saved under `name_N.ext` because their name was taken (`--rename`).
    package var renamed = 0
    /// Files whose name and size will be looked up in indexd at download time.
    package var withoutMetadata = 0

    package init() {}
}
