import ArgumentParser
import Gen3Kit

/// `gen3 import-manifest`: one row per file into the job table.
struct ImportManifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-manifest",
        abstract: "Add a manifest's files to the job (only new GUIDs; finished files are never reset).",
        discussion: """
            Reads Gen3 portal JSON, or TSV/CSV with a header (guid/object_id, file_name, size, md5, commons_url). Streams: any size. \
            A file's commons is its commons_url, else the host of a drs://host/… id; a prefixed id (dg.4DFC/…, drs://dg.4DFC:…) \
            is resolved when it is downloaded, and a bare GUID goes to --endpoint.
            """)

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Option(help: "The manifest file.")
    var manifest: String

    @Option(help: "The manifest's format: json, tsv or csv. Default: from the extension or the content.")
    var format: ManifestFormat?

    @OptionGroup(title: "Destination") var destination: DestinationOptions

    @Option(
        help: ArgumentHelp(
            "The DRS resolver runs ask which commons a GUID prefix (dg.4DFC/…) is in when the commons' metadata service does not know ('none': ask none); kept with the job. Default: https://dataguids.org.",
            valueName: "url"))
    var drsResolver: String?

    func run() throws {
        let globals = globals.merged(with: root.globals)
        Log.bootstrap(verbosity: globals.verbose, logFile: globals.logFile)
        let store = try JobStore(path: globals.databasePath)
        let downloadPath = try destination.downloadPath ?? store.settings()?.downloadPath ?? "."
        let summary = try ManifestImporter(store: store).importManifest(
            path: manifest, format: format,
            options: destination.importOptions(downloadPath: downloadPath, globals: globals, drsResolver: drsResolver))
        try store.saveCommonsCredentials(CommonsAuth(byCommons: globals.commonsAuth).storable)
        print(ImportReport.text(summary, database: globals.shownDatabase))
    }
}

/// The lines `import-manifest` prints.
enum ImportReport {
    static func text(_ summary: ImportSummary, database: String, next: Bool = true) -> String {
        var lines = ["imported \(summary.entries) entries into \(database): \(summary.added) new files"]
        if summary.alreadyInJob > 0 { lines.append("  \(summary.alreadyInJob) already in the job (left as they were)") }
        if summary.duplicates > 0 { lines.append("  \(summary.duplicates) repeated GUIDs collapsed into one row each") }
        if summary.renamed > 0 { lines.append("  \(summary.renamed) names were taken: saved as name_N.ext") }
        if summary.withoutMetadata > 0 {
            lines.append("  \(summary.withoutMetadata) without name or size: indexd is asked at download time")
        }
        if next { lines.append("next: gen3 --db \(database) run") }
        return lines.joined(separator: "\n")
    }
}
