import ArgumentParser
import Foundation
import Gen3Kit

/// `gen3 download-multiple-async`: the Gen3 SDK's one-shot command, as import + run on the same
/// engine. The job lives in `<download-path>/.gen3/jobs.sqlite`, so the same command resumes.
struct DownloadMultipleAsync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download-multiple-async",
        abstract: "Download every file of a manifest (import + run); run the same command again to resume.",
        discussion:
            "The job database is <download-path>/.gen3/jobs.sqlite unless --db is given; gen3 status and gen3 sql work on it. Also answers to download-multiple (the Gen3 SDK's name).",
        aliases: ["download-multiple"])

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Option(help: "The manifest: Gen3 portal JSON, or TSV/CSV with a header.")
    var manifest: String

    @OptionGroup(title: "Destination") var destination: DestinationOptions

    @Flag(help: "Start without showing the plan and asking (required when stdin is not a terminal).")
    var noPrompt = false

    @Flag(help: "Print the plan (files, size, destination, files already there, free space, name clashes) and stop: nothing is written.")
    var dryRun = false

    @OptionGroup(title: "Run options") var flags: RunFlags

    @Option(
        help:
            "Accepted for the Gen3 SDK's command line and not needed: workers claim batches of rows from the job table (--batch-size) instead of filling a queue."
    )
    var queueSize: Int?
    @OptionGroup(title: "Output") var output: OutputFlags

    func validate() throws {
        if destination.rename && flags.overwrite { throw ValidationError("--rename and --overwrite exclude each other") }
    }

    func run() throws {
        var options = flags.options
        if destination.rename { options.existingFiles = .rename }
        var globals = globals.merged(with: root.globals)
        let downloadPath = destination.jobInDownloadPath(&globals, database: "jobs.sqlite", create: false)
        let existing = FilePaths.exists(globals.databasePath) ? try JobStore(path: globals.databasePath, create: false) : nil
        // The key is checked before the import, which takes seconds for a million GUIDs: a rejected
        // or expired key says so at once. The run goes on with the token it got.
        let settings = try existing?.settings() ?? JobSettings(downloadPath: downloadPath)
        let context = try JobContext.resolve(settings: settings, endpointFlag: globals.endpoint, authFlag: globals.auth)
        // Meanwhile the resolvers are asked for the manifest's first prefixes, for the run.
        let warmup =
            dryRun || !noPrompt
            ? nil
            : JobRun.resolverWarmup(
                manifest: manifest, databasePath: globals.databasePath, existing: existing, settings: settings, context: context,
                options: options, workers: JobRun.workers(globals))
        let tokens = try JobRun.verify(
            context, options: options, logger: Log.bootstrap(verbosity: globals.verbose, logFile: globals.logFile))
        let importOptions = try destination.importOptions(downloadPath: downloadPath, globals: globals)
        if dryRun || !noPrompt {
            let plan = try ConfirmationPrompt.plan(manifest: manifest, databasePath: globals.databasePath, options: importOptions)
            if dryRun {
                print(plan.joined(separator: "\n"))
                return
            }
            try ConfirmationPrompt.confirm(plan)
        }
        if !JobLocation.isPostgres(globals.databasePath) {
            FilePaths.makeDirectories((globals.databasePath as NSString).deletingLastPathComponent)
        }
        let store = try existing ?? JobStore(path: globals.databasePath)
        let summary = try ManifestImporter(store: store).importManifest(path: manifest, options: importOptions)
        if !output.quiet && (summary.added > 0 || summary.duplicates > 0) {
            print(ImportReport.text(summary, database: globals.shownDatabase, next: false))
        }
        throw ExitCode(try output.show(JobRun(globals, options: options, tokens: tokens, resolverWarmup: warmup)))
    }
}
