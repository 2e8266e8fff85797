import ArgumentParser
import Foundation
import Gen3Kit
import Logging

/// `gen3 run`: works through the job with worker processes until nothing is left.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download every pending file of the job; safe to stop and run again.",
        discussion: "Exit status: 0 when every file is done or skipped, 1 when any failed, 2 for usage, credential or configuration errors, 130/143 when stopped by SIGINT/SIGTERM.")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions
    @OptionGroup(title: "Run options") var flags: RunFlags
    @OptionGroup(title: "Output") var output: OutputFlags

    @Flag(help: "Put failed files back to pending with fresh attempts first.")
    var retryFailed = false

    func run() throws {
        let globals = globals.merged(with: root.globals)
        let result = try JobRunner.run(globals: globals, flags: flags, output: output, retryFailed: retryFailed)
        throw ExitCode(result.exitStatus)
    }
}

/// The shared body of `run` and `download-multiple-async`: checks, runs, prints the summary.
enum JobRunner {
    /// `verified`: the commons and a token the caller has already checked the key with.
    static func run(globals: GlobalOptions, flags: RunFlags, output: OutputFlags, retryFailed: Bool = false,
                    verified: (context: JobContext, tokens: AccessTokenProvider)? = nil,
                    beforeStart: (JobStore, JobSettings) throws -> Void = { _, _ in }) throws -> RunResult {
        let logger = Log.bootstrap(verbosity: globals.verbose)
        let databasePath = FilePaths.absolute(globals.databasePath)
        let store = try JobStore(path: databasePath, create: false)
        let settings = try store.requireSettings()
        let context = try verified?.context ?? JobContext.resolve(settings: settings, endpointFlag: globals.endpoint, authFlag: globals.auth)
        let options = flags.options
        // A caller that verified the key warned before its first request.
        if verified == nil { warnIfInsecure(options, logger) }
        let tokens = try verified?.tokens ?? context.verify(http: options.http)
        try beforeStart(store, settings)
        if retryFailed {
            let count = try store.retryFailed()
            if count > 0 { print("retrying \(count) failed files") }
        }
        StopSignal.install()
        var workerArguments = ["worker", "--db", databasePath] + flags.arguments
        if let endpoint = globals.endpoint { workerArguments += ["--endpoint", endpoint] }
        // The auth value may be a token (accesstoken:///…): it goes to workers through their
        // environment (owner-readable only), never their arguments (world-readable in /proc).
        if let auth = globals.auth { setenv(WorkerCommand.authVariable, auth, 1) }
        if globals.verbose > 0 { workerArguments.append("-" + String(repeating: "v", count: globals.verbose)) }
        let supervisor = Supervisor(store: store, options: options, workerArguments: workerArguments, logger: logger) {
            try Worker(store: JobStore(path: databasePath, create: false), settings: settings, endpoint: context.endpoint,
                       credentials: context.credentials, options: options, tokens: tokens, logger: logger)
        }
        let display = output.noProgress ? nil : ProgressDisplay()
        let result = try supervisor.run(onProgress: display.map { display in { display.update($0) } })
        display?.finish(result.progress)
        print(RunSummary.text(result, database: databasePath))
        if let report = output.report {
            try JobReport.write(store: store, to: report)
            print("report: \(report)")
        }
        return result
    }

    static func warnIfInsecure(_ options: RunOptions, _ logger: Logger) {
        if !options.http.verifyTLS {
            logger.warning("--insecure: TLS certificates are NOT verified; anyone on the network path can read or alter the files")
        }
    }
}
