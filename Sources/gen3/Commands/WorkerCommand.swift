import ArgumentParser
import Foundation
import Gen3Kit

/// `gen3 worker`: one worker process, started by `run`. Not for direct use.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "One worker process (started by run).",
                                                    shouldDisplay: false)

    @OptionGroup var globals: GlobalOptions
    @OptionGroup var flags: RunFlags

    /// Where `run` puts the `--auth` value for its workers.
    static let authVariable = "GEN3_WORKER_AUTH"

    func run() throws {
        let auth = globals.auth ?? ProcessInfo.processInfo.environment[Self.authVariable]
        unsetenv(Self.authVariable)
        let logger = Log.bootstrap(verbosity: globals.verbose)
        StopSignal.install()
        let store = try JobStore(path: globals.databasePath, create: false)
        let settings = try store.requireSettings()
        let context = try JobContext.resolve(settings: settings, endpointFlag: globals.endpoint, authFlag: auth)
        let worker = try Worker(store: store, settings: settings, endpoint: context.endpoint, credentials: context.credentials,
                                options: flags.options, logger: logger)
        let exit = worker.run()
        if case .fatal(let message) = exit { WorkerReport.send(message) }
        throw ExitCode(exit.status)
    }
}
