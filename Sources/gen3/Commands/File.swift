import ArgumentParser

/// `gen3 file …`: the Gen3 SDK's command group for single files, for scripts that call
/// `gen3 file download-single GUID --path DIR`.
struct File: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract: "The Gen3 SDK's file commands (gen3 file download-single).", subcommands: [DownloadSingle.self])
}
