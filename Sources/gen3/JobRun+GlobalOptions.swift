import Gen3Kit

extension JobRun {
    /// The run the global options describe: the job at `--db`, workers as processes of this binary.
    convenience init(
        _ globals: GlobalOptions, options: RunOptions, tokens: AccessTokenProvider? = nil, resolverWarmup: ResolverWarmup? = nil
    ) throws {
        try self.init(
            databasePath: globals.databasePath, endpoint: globals.endpoint, auth: globals.auth, commonsAuth: globals.commonsAuth,
            options: options, workers: Self.workers(globals), stop: RunStop(.signals), tokens: tokens, resolverWarmup: resolverWarmup,
            hooks: TestHooks.fromEnvironment(), logger: Log.bootstrap(verbosity: globals.verbose, logFile: globals.logFile))
    }

    /// Worker processes of this binary, logging as the flags say.
    static func workers(_ globals: GlobalOptions) -> Workers {
        .processes(verbosity: globals.verbose, logFile: globals.logFile.map(FilePaths.absolute))
    }
}

extension OutputFlags {
    /// Runs `job` with the progress display these flags ask for, prints the summary, writes the
    /// report, and returns the exit status.
    func show(_ job: JobRun) throws -> Int32 {
        let display = noProgress || quiet ? nil : ProgressDisplay()
        let result = try job.run(onProgress: display.map { display in { display.update($0) } })
        display?.finish(result.progress)
        if !quiet { print(RunSummary.text(result, database: job.databasePath)) }
        if let report {
            try JobReport.write(store: job.store, to: report, format: reportFormat)
            if !quiet { print("report: \(report)") }
        }
        return result.exitStatus
    }
}
