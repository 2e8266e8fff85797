/// The manifest formats ``TestCommons/writeManifest(to:format:includeMetadata:guids:)`` writes.
public enum ManifestFileFormat: String, Sendable, CaseIterable {
    /// A Gen3 portal export: `[{"object_id", "file_name", "file_size", "md5sum"}, …]`.
    case json
    /// Tab-separated with a header row: `guid`, `file_name`, `size`, `md5`.
    case tsv
    /// Comma-separated (RFC 4180 quoting) with the same header as TSV.
    case csv
}
