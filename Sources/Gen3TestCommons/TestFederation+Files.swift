import Foundation

extension TestFederation {
    // MARK: - Credentials

    /// Writes one credentials file per commons into `directory` (created if missing), named by the
    /// commons' ``TestCommons/authority`` — `<directory>/127.0.0.1:41234.json` — and returns each
    /// file's path by commons ``TestCommons/endpoint``.
    ///
    /// A client that finds a commons' key as `~/.gen3/<host>.json` looks it up by the host it
    /// resolved for the commons; for a real commons that is the bare host name
    /// (`nci-crdc.datacommons.io.json`), and here, where commons share an address and differ by port,
    /// the same `host:port` string that the federation's `drs://` URIs, `commons_url` columns and
    /// MDS answers carry. So pointing the client's home at a directory holding `.gen3/` written by
    /// this method finds every commons' key.
    @discardableResult
    public func writeCredentials(directory: String) throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths: [String: String] = [:]
        for commons in commons {
            let path = (directory as NSString).appendingPathComponent(commons.authority + ".json")
            try commons.writeCredentials(to: path)
            paths[commons.endpoint] = path
        }
        return paths
    }

    // MARK: - Manifests

    /// Every object of every commons as a row of the mixed manifest: commons by commons for object
    /// 0, then for object 1, and so on (commons with fewer objects drop out), each spelled per
    /// ``ManifestIdentifierForm/of(object:commons:)``.
    public var mixedManifestRows: [MixedManifestRow] {
        let objects = commons.map(\.objects)
        let longest = objects.map(\.count).max() ?? 0
        var rows: [MixedManifestRow] = []
        for position in 0..<longest {
            for (index, list) in objects.enumerated() where position < list.count {
                let object = list[position]
                let form = ManifestIdentifierForm.of(object: position, commons: index)
                rows.append(
                    MixedManifestRow(
                        objectID: Self.objectID(of: object, form: form, authority: commons[index].authority),
                        commonsURL: form == .commonsURL ? commons[index].authority : nil, form: form, commons: index,
                        object: object))
            }
        }
        return rows
    }

    /// Writes ``mixedManifestRows`` (atomically) as a Gen3 portal exports a cohort spanning commons:
    /// - `json`: `[{"object_id", "file_name", "file_size", "md5sum"[, "commons_url"]}, …]`, with
    ///   `commons_url` only on the rows that have one;
    /// - `tsv`/`csv`: a header `guid, file_name, size, md5, commons_url`, the last empty where unset.
    public func writeMixedManifest(to path: String, format: ManifestFileFormat = .json) throws {
        let rows = mixedManifestRows.map { ManifestFileWriter.Row(guid: $0.objectID, object: $0.object, commonsURL: $0.commonsURL) }
        try ManifestFileWriter.write(rows, to: path, format: format, includeMetadata: true)
    }

    private static func objectID(of object: TestObject, form: ManifestIdentifierForm, authority: String) -> String {
        switch form {
        case .hostDRSURI: return "drs://\(authority)/\(object.guid)"
        case .compactID, .commonsURL: return object.guid
        case .compactDRSURI: return "drs://\(object.prefix):\(object.uuid)"
        case .bareUUID: return object.uuid
        }
    }
}
