#if canImport(Glibc)
import Glibc
#endif

/// The manifest formats gen3 reads.
public enum ManifestFormat: String, Sendable, CaseIterable {
    /// Gen3 portal JSON: an array of objects.
    case json
    /// Tab-separated with a header row.
    case tsv
    /// Comma-separated (RFC 4180 quoting) with a header row.
    case csv

    /// By extension; otherwise by content: `[` first → json, a tab in the first line → tsv, else csv.
    public static func detect(path: String) throws -> ManifestFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".txt") { return .tsv }
        if lower.hasSuffix(".csv") { return .csv }
        let stream = try ByteStream(path: path)
        try stream.skipByteOrderMark()
        var firstLine: [UInt8] = []
        while let byte = try stream.next(), firstLine.count < 65536 {
            if firstLine.isEmpty && (byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d) { continue }
            if firstLine.isEmpty && byte == UInt8(ascii: "[") { return .json }
            if byte == 0x0a { break }
            firstLine.append(byte)
        }
        return firstLine.contains(0x09) ? .tsv : .csv
    }
}

/// Opens a reader for the manifest at `path`, detecting the format when not given.
public func openManifest(path: String, format: ManifestFormat? = nil) throws -> any ManifestReader {
    switch try format ?? ManifestFormat.detect(path: path) {
    case .json: return try JSONManifestReader(path: path)
    case .tsv: return try DelimitedManifestReader(path: path, separator: 0x09)
    case .csv: return try DelimitedManifestReader(path: path, separator: UInt8(ascii: ","))
    }
}
