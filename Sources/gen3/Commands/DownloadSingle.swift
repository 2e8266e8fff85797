import ArgumentParser
import Gen3Kit

/// `gen3 download-single GUID`: one file, through the same engine (name, size and md5 from indexd).
struct DownloadSingle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download-single",
        abstract: "Download one file by GUID (its name, size and md5 come from indexd).")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Argument(help: "The GUID: bare, prefixed (dg.ABCD/…) or drs://host/….")
    var guid: String

    @Option(help: "Where the file goes.")
    var downloadPath = "."

    @Option(help: "File name: original, guid, or combined (name_<guid>.ext).")
    var filenameFormat: FilenameFormat = .original

    @Option(name: .customLong("protocol"), help: "Storage protocol to ask Fence for (e.g. s3, gs).")
    var protocolName: String?

    @Flag(help: "Accepted for compatibility: download-single never asks.")
    var noPrompt = false

    @Flag(help: "Count the file as done when it is already there with the right size and md5.")
    var skipCompleted = false

    @OptionGroup(title: "Output") var output: OutputFlags

    func run() throws {
        var globals = globals.merged(with: root.globals)
        let downloadPath = FilePaths.absolute(downloadPath)
        if globals.db == nil {
            FilePaths.makeDirectories(downloadPath + "/.gen3")
            globals.db = downloadPath + "/.gen3/single.sqlite"
        }
        Log.bootstrap(verbosity: globals.verbose)
        let store = try JobStore(path: globals.databasePath)
        let options = ImportOptions(downloadPath: downloadPath, filenameFormat: filenameFormat,
                                    endpoint: try globals.endpoint.map(Endpoint.normalize),
                                    credentialsPath: CredentialsLocator.storablePath(globals.auth), protocolName: protocolName)
        let entry = ManifestEntry(guid: guid.trimmingCharacters(in: .whitespaces), line: 1)
        _ = try ManifestImporter(store: store).importEntries(from: ListManifestReader([entry]), source: "download-single", options: options)
        var flags = try RunFlags.parse(["--workers", "1"])
        flags.skipCompleted = skipCompleted
        let result = try JobRunner.run(globals: globals, flags: flags, output: output)
        throw ExitCode(result.exitStatus)
    }
}

import Foundation
