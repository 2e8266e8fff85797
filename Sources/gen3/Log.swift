import Logging

/// swift-log on stderr at the level `-v` asks for. Messages never carry tokens: the code that logs
/// redacts URLs' signatures and never formats a token.
enum Log {
    /// swift-log allows one bootstrap per process; a static's initialiser runs exactly once.
    private static let handlers: Void = LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .trace
        return handler
    }

    /// Sets up logging once per process and returns the logger.
    @discardableResult
    static func bootstrap(verbosity: Int) -> Logger {
        _ = handlers
        var logger = Logger(label: "gen3")
        logger.logLevel = verbosity >= 2 ? .debug : verbosity == 1 ? .info : .warning
        return logger
    }
}
