import Logging

/// swift-log on stderr at the level `-v` asks for. Messages never carry tokens: the code that logs
/// redacts URLs' signatures and never formats a token.
enum Log {
    private static var bootstrapped = false

    /// Sets up logging once per process (swift-log allows one bootstrap) and returns the logger.
    @discardableResult
    static func bootstrap(verbosity: Int) -> Logger {
        let level: Logger.Level = verbosity >= 2 ? .debug : verbosity == 1 ? .info : .warning
        if !bootstrapped {
            bootstrapped = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .trace
                return handler
            }
        }
        var logger = Logger(label: "gen3")
        logger.logLevel = level
        return logger
    }
}
