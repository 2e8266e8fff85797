import ArgumentParser
import Gen3Kit

/// `gen3`: download large sets of files from a Gen3 data commons through a resumable SQLite job.
struct Gen3Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen3",
        abstract: "Download large sets of files from a Gen3 data commons, resumably.",
        discussion: """
            A job lives in a SQLite database (--db). Import a manifest into it, then run it; stop it at \
            any time (Ctrl-C, kill -9, a reboot) and run it again to finish exactly what is left.

              gen3 --endpoint https://data.example.org --auth credentials.json \\
                   import-manifest --manifest files.json --download-path ./data
              gen3 run
              gen3 status
              gen3 sql "SELECT guid, attempts, last_error FROM failures"
            """,
        version: Gen3Version.current,
        // Each names itself (`commandName`): a name derived from the type's is demangled at every
        // start, for every subcommand, before any command runs.
        subcommands: [
            ImportManifest.self, Run.self, Status.self, SQL.self, Retry.self, DownloadMultipleAsync.self,
            DownloadSingle.self, File.self, WorkerCommand.self,
        ]
    )

    @OptionGroup(title: "Global options")
    var globals: GlobalOptions
}
