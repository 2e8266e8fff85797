import Foundation
import Logging

/// The worker-process protocol in one place: how `JobRun` starts a worker process of this same
/// binary and how that process answers.
///
/// - Arguments: `worker --db PATH --endpoint URL --verbosity N --options JSON [--log-file F]` (`arguments`,
///   parsed back by `init(parsing:)`); every `RunOptions` field crosses, not just those with flags.
/// - Credentials: the `--auth` value may be a token (`accesstoken:///…`), so it travels in the
///   environment (`authVariable`, readable only by its owner), never in the arguments
///   (world-readable in `/proc`), and the worker removes it from its environment at once.
/// - Report pipe: fd 3 (`reportFD`) carries the one message a fatal stop sends back.
/// - Exit status: 0 finished, 3 fatal (the message is on the pipe), 128 + signal when stopped.
package struct WorkerInvocation: Equatable, Sendable {
    /// The hidden subcommand that runs one worker.
    package static let subcommand = "worker"
    /// Where the parent puts the `--auth` value for its workers.
    package static let authVariable = "GEN3_WORKER_AUTH"
    /// Where the parent puts a PostgreSQL job's URL, which may hold a password: the arguments
    /// carry it without one.
    package static let databaseVariable = "GEN3_WORKER_DB"
    /// The worker's end of the report pipe.
    package static let reportFD: Int32 = 3
    /// The exit status of a worker that stopped on a fatal error.
    package static let fatalStatus: Int32 = 3

    package var databasePath: String
    /// The commons, already resolved by the parent.
    package var endpoint: String
    package var options: RunOptions
    /// How many `-v` the parent was given.
    package var verbosity: Int
    /// Where the parent's `--log-file` appends, if it has one.
    package var logFile: String?

    package init(databasePath: String, endpoint: String, options: RunOptions, verbosity: Int, logFile: String? = nil) {
        self.logFile = logFile
        self.databasePath = databasePath
        self.endpoint = endpoint
        self.options = options
        self.verbosity = verbosity
    }

    /// The arguments after the executable's path.
    package var arguments: [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(options)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let shown = JobLocation.isPostgres(databasePath) ? PostgresConnection.redacted(databasePath) : databasePath
        return [Self.subcommand, "--db", shown, "--endpoint", endpoint, "--verbosity", "\(verbosity)", "--options", json]
            + (logFile.map { ["--log-file", $0] } ?? [])
    }

    /// Reads what `arguments` wrote (without the subcommand's name).
    package init(parsing arguments: [String]) throws {
        var values: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let name = arguments[index]
            guard ["--db", "--endpoint", "--verbosity", "--options", "--log-file"].contains(name), index + 1 < arguments.endIndex else {
                throw RunError.badWorkerArguments("unexpected \(name.prefix(40))")
            }
            values[name] = arguments[index + 1]
            index += 2
        }
        guard let database = values["--db"], let endpoint = values["--endpoint"], let json = values["--options"] else {
            throw RunError.badWorkerArguments("--db, --endpoint and --options are required")
        }
        let options: RunOptions
        do {
            options = try JSONDecoder().decode(RunOptions.self, from: Data(json.utf8))
        } catch {
            throw RunError.badWorkerArguments("--options is not this build's RunOptions: \(error)")
        }
        self.init(
            databasePath: database, endpoint: endpoint, options: options,
            verbosity: values["--verbosity"].flatMap { Int($0) } ?? 0, logFile: values["--log-file"])
    }

    /// Where the parent puts the other commons' `--auth` values (a JSON object, origin → value).
    package static let commonsAuthVariable = "GEN3_WORKER_COMMONS_AUTH"

    /// The environment entries that hand `auth` and `commonsAuth` to a worker.
    package static func environment(auth: String?, commonsAuth: [String: String] = [:], database: String? = nil) -> [String: String] {
        var environment = auth.map { [authVariable: $0] } ?? [:]
        if let database, JobLocation.isPostgres(database) { environment[databaseVariable] = database }
        if !commonsAuth.isEmpty, let json = SmallJSON.encode(commonsAuth) { environment[commonsAuthVariable] = json }
        return environment
    }

    /// The worker process's whole life: takes the credentials out of the environment, runs one
    /// worker on this job until nothing is left for it, reports a fatal message on the pipe, and
    /// returns the exit status.
    package func run(hooks: TestHooks? = nil, logger: Logger) -> Int32 {
        if let status = hooks?.workerExit { return status }
        let auth = getenv(Self.authVariable).map { String(cString: $0) }
        let commonsAuth = getenv(Self.commonsAuthVariable).flatMap { value in
            SmallJSON.decode([String: String].self, from: Data(String(cString: value).utf8))
        }
        let location = getenv(Self.databaseVariable).map { String(cString: $0) } ?? databasePath
        unsetenv(Self.authVariable)
        unsetenv(Self.commonsAuthVariable)
        unsetenv(Self.databaseVariable)
        let stop = RunStop(.signals)
        stop.arm()
        let exit: Worker.Exit
        do {
            let claims = ClaimAhead(location: location, connectNow: true)
            let store = try JobStore(path: location, create: false)
            let settings = try store.requireSettings()
            let context = try JobContext.resolve(settings: settings, endpointFlag: endpoint, authFlag: auth)
            let worker = try Worker(
                store: store, settings: settings, endpoint: context.endpoint,
                credentials: context.credentials, options: options, auth: CommonsAuth(byCommons: commonsAuth ?? [:]), stop: stop,
                claims: claims, hooks: hooks, logger: logger)
            exit = worker.run()
        } catch {
            exit = .fatal(error.localizedDescription)
        }
        if case .fatal(let message) = exit { Self.report(message) }
        return exit.status(stop: stop)
    }

    /// Sends the fatal message to the parent, when there is one listening.
    static func report(_ message: String) {
        var info = stat()
        guard fstat(reportFD, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return }
        _ = message.withCString { write(reportFD, $0, strlen($0)) }
    }
}
