import Foundation

/// The manifest formats a test commons writes.
public enum ManifestFileFormat: String, Sendable {
    case json, tsv, csv
}

/// Writes manifests as a Gen3 portal does (JSON) or as spreadsheets (TSV/CSV with a header).
enum ManifestFileWriter {
    static func write(_ rows: [(guid: String, object: TestObject?)], to path: String, format: ManifestFileFormat,
                      includeMetadata: Bool) throws {
        var text = ""
        switch format {
        case .json:
            text = "[\n" + rows.map { row -> String in
                var fields = ["\"object_id\": \"\(escape(row.guid))\""]
                if includeMetadata, let object = row.object {
                    fields += ["\"file_name\": \"\(escape(object.fileName))\"", "\"file_size\": \(object.size)",
                               "\"md5sum\": \"\(object.md5)\"", "\"subject_id\": {\"nested\": [1, 2]}"]
                }
                return "  {" + fields.joined(separator: ", ") + "}"
            }.joined(separator: ",\n") + "\n]\n"
        case .tsv, .csv:
            let separator = format == .tsv ? "\t" : ","
            let header = includeMetadata ? ["guid", "file_name", "size", "md5"] : ["guid"]
            text = header.joined(separator: separator) + "\n"
            for row in rows {
                var fields = [row.guid]
                if includeMetadata { fields += [row.object?.fileName ?? "", row.object.map { "\($0.size)" } ?? "", row.object?.md5 ?? ""] }
                text += fields.map { format == .csv ? quoted($0) : $0 }.joined(separator: separator) + "\n"
            }
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    private static func quoted(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
