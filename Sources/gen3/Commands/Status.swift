import ArgumentParser
import Gen3Kit

/// `gen3 status`: counts by state, bytes and the failures, from the database alone.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the job's progress: files and bytes by state, and failures.")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Also write the result as JSON (the shape of the Gen3 SDK's): succeeded, failed with reasons, skipped.", valueName: "file"))
    var report: String?

    func run() throws {
        let globals = globals.merged(with: root.globals)
        let store = try JobStore(path: globals.databasePath, create: false)
        let settings = try store.requireSettings()
        let progress = try store.progress()
        print("job: \(FilePaths.absolute(globals.databasePath)) → \(settings.downloadPath)")
        print(RunSummary.table(progress))
        let failures = try store.failures(limit: 20)
        if let report {
            try JobReport.write(store: store, to: report)
            print("report: \(report)")
        }
        if !failures.isEmpty { print(RunSummary.failureLines(failures, total: progress.count(.failed), database: globals.databasePath)) }
    }
}
