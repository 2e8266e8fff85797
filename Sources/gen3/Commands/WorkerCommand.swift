import ArgumentParser
import Gen3Kit

/// `gen3 worker`: one worker process, started by `run` (`WorkerInvocation` is the protocol).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: WorkerInvocation.subcommand,
        abstract: "One worker process (started by run).", shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() throws {
        let invocation = try WorkerInvocation(parsing: arguments)
        throw ExitCode(
            invocation.run(
                hooks: TestHooks.fromEnvironment(), logger: Log.bootstrap(verbosity: invocation.verbosity, logFile: invocation.logFile)))
    }
}
