import ArgumentParser
import Foundation
import Gen3Kit

/// `gen3 download-single GUID`: one file, through the same engine (name, size and md5 from indexd).
struct DownloadSingle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download-single",
        abstract: "Download one file by GUID (its name, size and md5 come from indexd).",
        discussion: "The job database is <download-path>/.gen3/single.sqlite unless --db is given.")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Argument(help: "The GUID: bare, prefixed (dg.ABCD/…) or drs://host/….")
    var guid: String?

    @Option(name: .customLong("guid"), help: "The GUID, as the Gen3 SDK's --guid= gives it (instead of the argument).")
    var guidOption: String?

    @OptionGroup(title: "Destination") var destination: DestinationOptions

    @Flag(help: "Accepted for compatibility: download-single never asks.")
    var noPrompt = false

    @Flag(
        help:
            "Count the file as skipped when it is already there with the right size and no md5 is known (with the right md5 it is done, flag or not)."
    )
    var skipCompleted = false

    @Flag(
        help:
            "Replace a file at the destination that is not this file. Without it (or --rename) such a file is left as it is and the download fails, saying so."
    )
    var overwrite = false

    /// The GUID, from the argument or --guid.
    var theGUID: String { (guidOption ?? guid ?? "").trimmingCharacters(in: .whitespaces) }

    func validate() throws {
        if guid == nil && guidOption == nil { throw ValidationError("give the GUID, as the argument or with --guid") }
        if guid != nil && guidOption != nil && guid != guidOption { throw ValidationError("two different GUIDs: the argument and --guid") }
        if destination.rename && overwrite { throw ValidationError("--rename and --overwrite exclude each other") }
    }

    @OptionGroup(title: "Output") var output: OutputFlags

    func run() throws {
        var globals = globals.merged(with: root.globals)
        let downloadPath = destination.jobInDownloadPath(&globals, database: "single.sqlite")
        Log.bootstrap(verbosity: globals.verbose, logFile: globals.logFile)
        let store = try JobStore(path: globals.databasePath)
        let entry = ManifestEntry(guid: theGUID, line: 1)
        _ = try ManifestImporter(store: store).importEntries(
            from: ListManifestReader([entry]), source: "download-single",
            options: destination.importOptions(downloadPath: downloadPath, globals: globals))
        var options = RunOptions()
        options.skipCompleted = skipCompleted
        options.existingFiles = overwrite ? .overwrite : destination.rename ? .rename : .refuse
        throw ExitCode(try output.show(JobRun(globals, options: options)))
    }
}
