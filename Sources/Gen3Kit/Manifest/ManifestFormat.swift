/// The manifest formats gen3 reads.
package enum ManifestFormat: String, Sendable, CaseIterable {
    /// Gen3 portal JSON: an array of objects.
    case json
    /// Tab-separated values with a header row.
    case tsv
    /// Comma-separated values (RFC 4180 quoting) with a header row.
    case csv

    /// How much of the first line sniffing looks at for a tab.
    private static let sniffLimit = 1 << 20

    /// By extension (`.json`, `.tsv`, `.csv`, any case); otherwise by sniffing the content: after an
    /// optional UTF-8 BOM, a first non-whitespace byte of `[` (or `{`, so that a lone object gets
    /// the JSON reader's message) means json, a tab in the first non-blank line tsv, anything else
    /// csv. A `.txt` file is sniffed, as it may hold either kind of table.
    package static func detect(path: String) throws -> ManifestFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = name.lastIndex(of: "."), let format = ManifestFormat(rawValue: name[name.index(after: dot)...].lowercased()) {
            return format
        }
        // The start of a pipe, once read to tell its format, would be missing from the import.
        guard FilePaths.isRegularFile(path) || !FilePaths.exists(path) else {
            throw ManifestError(
                path: path, line: 0,
                reason:
                    "not a regular file (a pipe?), so its format cannot be told from its start: give --format json, tsv or csv, or a name ending .json, .tsv or .csv"
            )
        }
        let stream = try ByteStream(path: path)
        try stream.skipByteOrderMark()
        var seenContent = false
        var sawTab = false
        var scanned = 0
        while let byte = try stream.peek(), scanned < sniffLimit {
            stream.position += 1
            scanned += 1
            switch byte {
            case 0x0a:
                if seenContent { return sawTab ? .tsv : .csv }
                sawTab = false
            case 0x09:
                sawTab = true
            case 0x20, 0x0d:
                break
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if !seenContent { return .json }
            default:
                seenContent = true
            }
        }
        return sawTab ? .tsv : .csv
    }
}

/// Opens a pull-based reader for the manifest at `path`, detecting the format when it is not given
/// (detection reads the start of the file, so give the format for a pipe). Throws ``ManifestError``
/// when the file cannot be opened; problems inside it surface from `next()`.
package func openManifest(path: String, format: ManifestFormat? = nil) throws -> any ManifestReader {
    let reader: any ManifestReader
    switch try format ?? ManifestFormat.detect(path: path) {
    case .json: reader = try JSONManifestReader(path: path)
    case .tsv: reader = try DelimitedManifestReader(path: path, format: .tsv)
    case .csv: reader = try DelimitedManifestReader(path: path, format: .csv)
    }
    return FailureRepeatingReader(reader)
}

/// Once a reader has failed its stream is mid-token: every later `next()` throws the same error
/// rather than reading on from a broken place. One wrapper for every format.
final class FailureRepeatingReader: ManifestReader {
    private let base: any ManifestReader
    private var failure: ManifestError?

    init(_ base: any ManifestReader) { self.base = base }

    func next() throws -> ManifestEntry? {
        if let failure { throw failure }
        do {
            return try base.next()
        } catch let error as ManifestError {
            failure = error
            throw error
        }
    }
}
