import Foundation
import Gen3Kit

/// Live progress on stderr: on a terminal, one line redrawn in place a few times a second; on
/// anything else, a plain line every few seconds. Counts come from the database, so they cover
/// every worker process.
final class ProgressDisplay {
    private let terminal: Bool
    private let interval: Double
    private var lastPrint: Double?
    private var samples: [(time: Double, bytes: Int64)] = []
    /// The first sample: the rate over the whole run is measured from it.
    private var start: (time: Double, bytes: Int64)?
    /// The first line waits this long, so that it already has a rate to show.
    static let firstLineDelay = 0.2

    init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
        interval = terminal ? 0.25 : 5
    }

    func update(_ progress: JobProgress) {
        let now = Clock.monotonic()
        if start == nil { start = (now, progress.bytesOnDisk) }
        samples.append((now, progress.bytesOnDisk))
        samples.removeAll { now - $0.time > 10 }
        if let lastPrint {
            guard now - lastPrint >= interval else { return }
        } else {
            guard now - (start?.time ?? now) >= Self.firstLineDelay else { return }
        }
        lastPrint = now
        let line = Self.line(progress, rate: rate(now: now))
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            FileHandle.standardError.write(Data(("progress: " + line + "\n").utf8))
        }
    }

    /// Ends the in-place line so the summary starts on its own.
    func finish(_ progress: JobProgress) {
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + Self.line(progress, rate: average(progress)) + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data(("progress: " + Self.line(progress, rate: average(progress)) + "\n").utf8))
        }
    }

    /// Bytes per second over the last few seconds, or since the start when that is shorter than a
    /// second (a short run's first lines).
    private func rate(now: Double) -> Double {
        if let first = samples.first, let last = samples.last, last.time - first.time >= 1 {
            return Double(max(0, last.bytes - first.bytes)) / (last.time - first.time)
        }
        guard let start, let last = samples.last, last.time - start.time > 0 else { return 0 }
        return Double(max(0, last.bytes - start.bytes)) / (last.time - start.time)
    }

    /// Bytes per second over the whole run, for its last line.
    private func average(_ progress: JobProgress) -> Double {
        guard let start else { return 0 }
        let elapsed = Clock.monotonic() - start.time
        return elapsed > 0 ? Double(max(0, progress.bytesOnDisk - start.bytes)) / elapsed : 0
    }

    static func line(_ progress: JobProgress, rate: Double) -> String {
        let finished = progress.count(.done) + progress.count(.skipped)
        var parts = ["\(finished)/\(progress.total) files"]
        let total = progress.totalExpectedBytes
        parts.append(
            total > 0
                ? "\(ByteCount.format(progress.bytesOnDisk))/\(ByteCount.format(total))"
                : ByteCount.format(progress.bytesOnDisk))
        parts.append("\(ByteCount.format(Int64(rate)))/s")
        if rate > 0, total > progress.bytesOnDisk {
            parts.append("ETA \(duration(Double(total - progress.bytesOnDisk) / rate))")
        }
        parts.append("\(progress.count(.failed)) failed")
        return parts.joined(separator: "  ")
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}
