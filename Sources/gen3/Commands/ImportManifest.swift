import ArgumentParser
import Gen3Kit

/// `gen3 import-manifest`: one row per file into the job table.
struct ImportManifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a manifest's files to the job (only new GUIDs; finished files are never reset).",
        discussion: "Reads Gen3 portal JSON, or TSV/CSV with a header (guid/object_id, file_name, size, md5). Streams: any size.")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Option(help: "The manifest file.")
    var manifest: String

    @Option(help: "The manifest's format: json, tsv or csv. Default: from the extension or the content.")
    var format: ManifestFormat?

    @Option(help: "Where the files go. Default: the job's, else the current directory.")
    var downloadPath: String?

    @Option(help: "File names: original, guid, or combined (name_<guid>.ext).")
    var filenameFormat: FilenameFormat = .original

    @Flag(help: "Save a file whose name another file already has as name_1.ext instead of stopping.")
    var rename = false

    @Option(name: .customLong("protocol"), help: "Storage protocol to ask Fence for (e.g. s3, gs). Default: the commons' choice.")
    var protocolName: String?

    func run() throws {
        let globals = globals.merged(with: root.globals)
        Log.bootstrap(verbosity: globals.verbose)
        let store = try JobStore(path: globals.databasePath)
        let downloadPath = try downloadPath ?? store.settings()?.downloadPath ?? "."
        let options = ImportOptions(downloadPath: downloadPath, filenameFormat: filenameFormat, rename: rename,
                                    endpoint: try globals.endpoint.map(Endpoint.normalize),
                                    credentialsPath: CredentialsLocator.storablePath(globals.auth), protocolName: protocolName)
        let summary = try ManifestImporter(store: store).importManifest(path: manifest, format: format, options: options)
        print(ImportReport.text(summary, database: globals.databasePath))
    }
}

extension ManifestFormat: ExpressibleByArgument {}
extension FilenameFormat: ExpressibleByArgument {}

/// The lines `import-manifest` prints.
enum ImportReport {
    static func text(_ summary: ImportSummary, database: String) -> String {
        var lines = ["imported \(summary.entries) entries into \(database): \(summary.added) new files"]
        if summary.alreadyInJob > 0 { lines.append("  \(summary.alreadyInJob) already in the job (left as they were)") }
        if summary.duplicates > 0 { lines.append("  \(summary.duplicates) repeated GUIDs collapsed into one row each") }
        if summary.renamed > 0 { lines.append("  \(summary.renamed) names were taken: saved as name_N.ext") }
        if summary.withoutMetadata > 0 { lines.append("  \(summary.withoutMetadata) without name or size: indexd is asked at download time") }
        lines.append("next: gen3 --db \(database) run")
        return lines.joined(separator: "\n")
    }
}
