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
    var guid: String

    @OptionGroup(title: "Destination") var destination: DestinationOptions

    @Flag(help: "Accepted for compatibility: download-single never asks.")
    var noPrompt = false

    @Flag(help: "Count the file as done when it is already there with the right size and md5.")
    var skipCompleted = false

    @OptionGroup(title: "Output") var output: OutputFlags

    func run() throws {
        var globals = globals.merged(with: root.globals)
        let downloadPath = destination.jobInDownloadPath(&globals, database: "single.sqlite")
        Log.bootstrap(verbosity: globals.verbose)
        let store = try JobStore(path: globals.databasePath)
        let entry = ManifestEntry(guid: guid.trimmingCharacters(in: .whitespaces), line: 1)
        _ = try ManifestImporter(store: store).importEntries(
            from: ListManifestReader([entry]), source: "download-single",
            options: destination.importOptions(downloadPath: downloadPath, globals: globals))
        var options = RunOptions()
        options.skipCompleted = skipCompleted
        throw ExitCode(try output.show(JobRun(globals, options: options)))
    }
}
