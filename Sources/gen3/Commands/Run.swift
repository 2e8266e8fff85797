import ArgumentParser
import Gen3Kit

/// `gen3 run`: works through the job with worker processes until nothing is left.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Download every pending file of the job; safe to stop and run again.",
        discussion:
            "Exit status: 0 when every file is done or skipped, 1 when any failed, 2 for usage, credential or configuration errors, 130/143 when stopped by SIGINT/SIGTERM."
    )

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions
    @OptionGroup(title: "Run options") var flags: RunFlags
    @OptionGroup(title: "Output") var output: OutputFlags

    @Flag(help: "Put failed files back to pending with fresh attempts first.")
    var retryFailed = false

    @Flag(help: "Keep a file at a destination that this job did not write and save the download as name_1.ext (the next free name).")
    var rename = false

    func validate() throws {
        if rename && flags.overwrite { throw ValidationError("--rename and --overwrite exclude each other") }
    }

    func run() throws {
        var options = flags.options
        if rename { options.existingFiles = .rename }
        let job = try JobRun(globals.merged(with: root.globals), options: options)
        try job.verifyCredentials()
        if retryFailed, case let count = try job.retryFailed(), count > 0 { print("retrying \(count) failed files") }
        throw ExitCode(try output.show(job))
    }
}
