import Foundation

@testable import Gen3Kit

extension JobStore {
    /// Imports `rows` (each "guid\tfile_name\tsize") as a TSV manifest written to `manifest`, with
    /// `downloadPath` as the job's directory: the small jobs the store's tests start from.
    func importRows(_ rows: [String], manifest: String, downloadPath: String) throws {
        try ("guid\tfile_name\tsize\n" + rows.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        _ = try ManifestImporter(store: self).importManifest(path: manifest, options: ImportOptions(downloadPath: downloadPath))
    }
}
