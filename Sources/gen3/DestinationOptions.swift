import ArgumentParser
import Gen3Kit

/// Where files go and what they are called: shared by the commands that import.
struct DestinationOptions: ParsableArguments {
    @Option(
        name: [.customLong("download-path"), .customLong("path")],
        help: "Where the files go (--path is the Gen3 SDK's name for it). Default: the job's, else the current directory.")
    var downloadPath: String?

    @Option(help: "File names: original, guid, or combined (name_<guid>.ext).")
    var filenameFormat: FilenameFormat = .original

    @Flag(
        help:
            "Save a file whose name another file of the manifest already has as name_1.ext instead of stopping; with download-multiple-async and download-single, also one whose name a file on disk that the job did not write has."
    )
    var rename = false

    @Option(name: .customLong("protocol"), help: "Storage protocol to ask Fence for (e.g. s3, gs). Default: the commons' choice.")
    var protocolName: String?

    func importOptions(downloadPath: String, globals: GlobalOptions, drsResolver: String? = nil) throws -> ImportOptions {
        ImportOptions(
            downloadPath: downloadPath, filenameFormat: filenameFormat, rename: rename,
            endpoint: try globals.endpoint.map(Endpoint.normalize),
            credentialsPath: CredentialsLocator.storablePath(globals.auth), protocolName: protocolName,
            drsResolver: try drsResolver.map(RunOptions.resolverURL))
    }

    /// For the one-shot commands: the download path, and the job database inside it
    /// (`<download-path>/.gen3/<name>`) unless `--db` was given, so the same command resumes.
    /// With `create` false nothing is made yet (the caller makes `.gen3` once the user agrees).
    func jobInDownloadPath(_ globals: inout GlobalOptions, database name: String, create: Bool = true) -> String {
        let path = FilePaths.absolute(downloadPath ?? ".")
        if globals.db == nil {
            if create { FilePaths.makeDirectories(path + "/.gen3") }
            globals.db = path + "/.gen3/" + name
        }
        return path
    }
}

extension ManifestFormat: ExpressibleByArgument {}
extension FilenameFormat: ExpressibleByArgument {}
