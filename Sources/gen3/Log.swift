import Foundation
import Gen3Kit
import Logging

/// swift-log on stderr at the level `-v` asks for, and with `--log-file` the same lines with
/// timestamps appended to a file (at least the `-v` lines, whatever stderr shows). Messages never
/// carry tokens: the code that logs redacts URLs' signatures and never formats a token.
enum Log {
    /// swift-log allows one bootstrap per process: the first call's settings hold.
    private static let bootstrapped = NSLock()
    nonisolated(unsafe) private static var done = false

    /// Sets up logging once per process and returns the logger.
    @discardableResult
    static func bootstrap(verbosity: Int, logFile: String? = nil) -> Logger {
        let stderrLevel: Logger.Level = verbosity >= 2 ? .debug : verbosity == 1 ? .info : .warning
        bootstrapped.withLock {
            guard !done else { return }
            done = true
            let file = logFile.flatMap(FileLogHandler.open)
            LoggingSystem.bootstrap { label in
                var stderr = StreamLogHandler.standardError(label: label)
                stderr.logLevel = stderrLevel
                guard let file else { return stderr }
                var toFile = FileLogHandler(fd: file)
                toFile.logLevel = min(stderrLevel, .info)
                return MultiplexLogHandler([stderr, toFile])
            }
        }
        return Logger(label: "gen3")
    }
}

/// Appends each line, with its time and level, to a file opened for appending: one `write` per
/// line, so the lines of several worker processes do not interleave.
struct FileLogHandler: LogHandler {
    let fd: Int32
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    /// The file at `path`, created (0600) or appended to; nil when it cannot be opened.
    static func open(_ path: String) -> Int32? {
        let fd = Foundation.open(FilePaths.absolute(path), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        return fd >= 0 ? fd : nil
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let line = "\(stamp) pid \(getpid()) \(event.level) \(event.message)\n"
        _ = line.withCString { Foundation.write(fd, $0, strlen($0)) }
    }
}
