import Foundation

/// Writes manifests as a Gen3 portal exports them (JSON) or as spreadsheets (TSV/CSV).
enum ManifestFileWriter {
    /// One manifest row: an object id and, when the commons knows it, its object.
    struct Row {
        let guid: String
        let object: TestObject?
        /// The commons that has the object, as a portal export across commons names it.
        var commonsURL: String? = nil
    }

    /// One entry of a portal's JSON manifest, in its field names.
    private struct PortalEntry: Encodable {
        let objectID: String
        let fileName: String?
        let fileSize: Int?
        let md5sum: String?
        let commonsURL: String?

        enum CodingKeys: String, CodingKey {
            case objectID = "object_id"
            case fileName = "file_name"
            case fileSize = "file_size"
            case md5sum
            case commonsURL = "commons_url"
        }
    }

    /// The manifest text; without metadata (or for an unknown GUID) a row has only its GUID.
    static func text(_ rows: [Row], format: ManifestFileFormat, includeMetadata: Bool) -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let lines = rows.map { row -> String in
                let object = includeMetadata ? row.object : nil
                let entry = PortalEntry(
                    objectID: row.guid, fileName: object?.fileName, fileSize: object?.size, md5sum: object?.md5,
                    commonsURL: row.commonsURL)
                return "  " + String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self)
            }
            return lines.isEmpty ? "[]\n" : "[\n" + lines.joined(separator: ",\n") + "\n]\n"
        case .tsv, .csv:
            let separator = format == .tsv ? "\t" : ","
            let field: (String) -> String = { format == .csv ? quoted($0) : $0 }
            let commonsURLs = rows.contains { $0.commonsURL != nil }
            var header = includeMetadata ? ["guid", "file_name", "size", "md5"] : ["guid"]
            if commonsURLs { header.append("commons_url") }
            var text = header.joined(separator: separator) + "\n"
            for row in rows {
                var fields = [row.guid]
                if includeMetadata {
                    fields += [row.object?.fileName ?? "", row.object.map { String($0.size) } ?? "", row.object?.md5 ?? ""]
                }
                if commonsURLs { fields.append(row.commonsURL ?? "") }
                text += fields.map(field).joined(separator: separator) + "\n"
            }
            return text
        }
    }

    /// Writes the manifest atomically (a temporary file renamed over `path`).
    static func write(_ rows: [Row], to path: String, format: ManifestFileFormat, includeMetadata: Bool) throws {
        try text(rows, format: format, includeMetadata: includeMetadata).write(toFile: path, atomically: true, encoding: .utf8)
    }

    private static func quoted(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
