import Foundation

extension TestCommons {
    // MARK: - Credentials

    /// A credentials.json as Fence's UI downloads it: `{"api_key": "<JWT>", "key_id": "<jti>"}`.
    /// The key's payload names this commons (`iss` = endpoint + `/user`, `aud` = `["fence"]`, a
    /// far-future `exp`). An invalid key is just as well formed but is refused with 401.
    public func credentialsJSON(apiKeyValid: Bool = true) -> String {
        let key = apiKeyValid ? state.acceptedAPIKey : state.apiKey(endpoint: endpoint, valid: false)
        return "{\"api_key\": \"\(key)\", \"key_id\": \"\(state.apiKeyID(valid: apiKeyValid))\"}\n"
    }

    /// Writes ``credentialsJSON(apiKeyValid:)`` to `path` (atomically).
    public func writeCredentials(to path: String, apiKeyValid: Bool = true) throws {
        try credentialsJSON(apiKeyValid: apiKeyValid).write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: - Manifests

    /// Writes a manifest (atomically) of every object, or of `guids` in that order — unknown GUIDs
    /// and repeats included, as a test of a client's handling of them may need.
    /// - `json`: `[{"object_id", "file_name", "file_size", "md5sum"}, …]`
    /// - `tsv`/`csv`: a header `guid, file_name, size, md5`, then a row per object.
    ///
    /// Without metadata, or for a GUID the commons does not know, a row has only its GUID.
    public func writeManifest(
        to path: String, format: ManifestFileFormat = .json, includeMetadata: Bool = true,
        guids: [String]? = nil
    ) throws {
        let rows: [ManifestFileWriter.Row] =
            guids.map { $0.map { ManifestFileWriter.Row(guid: $0, object: state.store.object(guid: $0)) } }
            ?? objects.map { ManifestFileWriter.Row(guid: $0.guid, object: $0) }
        try ManifestFileWriter.write(rows, to: path, format: format, includeMetadata: includeMetadata)
    }
}
