import Foundation
import Gen3Kit

/// The text `run` and `status` print.
enum RunSummary {
    static func text(_ result: RunResult, database: String) -> String {
        let progress = result.progress
        var lines: [String] = []
        if let signal = result.stoppedBy {
            lines.append("stopped by signal \(signal): run the same command again to continue")
        }
        let finished = progress.count(.done) + progress.count(.skipped)
        let total = progress.total
        let rate = total > 0 ? Double(finished) / Double(total) * 100 : 100
        lines.append(
            "succeeded: \(progress.count(.done))  skipped: \(progress.count(.skipped))  failed: \(progress.count(.failed))  "
                + "left: \(progress.count(.pending) + progress.count(.claimed))  (\(String(format: "%.1f", rate))% of \(total) files)")
        if !result.failures.isEmpty {
            lines.append(failureLines(result.failures, total: progress.count(.failed), database: database))
        }
        return lines.joined(separator: "\n")
    }

    static func failureLines(_ failures: [FailedFile], total: Int, database location: String) -> String {
        // Shown on the terminal and in logs: a PostgreSQL URL without its password.
        let database = JobLocation.isPostgres(location) ? PostgresConnection.redacted(location) : location
        var lines = ["failed files:"]
        for failure in failures { lines.append("  \(failure.guid): \(failure.error)") }
        if total > failures.count {
            lines.append("  … \(total - failures.count) more: gen3 --db \(database) sql \"SELECT guid, last_error FROM failures\"")
        }
        lines.append("retry them: gen3 --db \(database) run --retry-failed")
        return lines.joined(separator: "\n")
    }

    static func table(_ progress: JobProgress) -> String {
        var lines = ["state      files        bytes"]
        for state in JobState.allCases {
            let name = state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            let files = String(progress.count(state)).leftPadded(8)
            let bytes = ByteCount.format(progress.bytesDone[state] ?? 0)
            lines.append("\(name) \(files)  \(bytes.leftPadded(11))")
        }
        let known = progress.totalExpectedBytes
        lines.append(
            "total    \(String(progress.total).leftPadded(8))  \(ByteCount.format(progress.bytesOnDisk).leftPadded(11)) of \(ByteCount.format(known))"
        )
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
