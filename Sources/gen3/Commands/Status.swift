import ArgumentParser
import Foundation
import Gen3Kit

/// `gen3 status`: counts by state, bytes and the failures, from the database alone.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the job's progress: files and bytes by state, and failures.")

    @ParentCommand var root: Gen3Command
    @OptionGroup(title: "Global options") var globals: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Also write the result as JSON (the shape of the Gen3 SDK's): succeeded, failed with reasons, skipped.", valueName: "file"))
    var report: String?

    @Flag(help: "Print one JSON object instead (counts and bytes by state, rate, ETA, failures by reason), for monitoring scripts.")
    var json = false

    @Flag(help: "Print again every few seconds until no file is pending or claimed (with --json, one object per line).")
    var watch = false

    /// Seconds between two prints with --watch.
    static let watchInterval: UInt32 = 2

    func run() throws {
        let globals = globals.merged(with: root.globals)
        let store = try JobStore(path: globals.databasePath, create: false)
        let settings = try store.requireSettings()
        while true {
            let progress = try store.progress()
            if json {
                print(
                    try StatusJSON.text(
                        progress, rate: store.recentRate(), reasons: store.failureReasons(), byCommons: store.countsByCommons(),
                        settings: settings))
            } else {
                print("job: \(store.displayLocation) → \(settings.downloadPath)")
                print(RunSummary.table(progress))
                if let lines = CommonsSummary.lines(try store.countsByCommons()) { print(lines) }
                let failures = try store.failures(limit: 20)
                if !failures.isEmpty {
                    print(RunSummary.failureLines(failures, total: progress.count(.failed), database: globals.databasePath))
                }
            }
            fflush(nil)
            guard watch, progress.count(.pending) + progress.count(.claimed) > 0 else { break }
            sleep(Self.watchInterval)
        }
        if let report {
            try JobReport.write(store: store, to: report)
            if !json { print("report: \(report)") }
        }
    }
}

/// `gen3 status --json`: what a monitoring script needs, in one object.
enum StatusJSON {
    private struct Snapshot: Encodable {
        var downloadPath: String
        var files: [String: Int]
        var bytesDone: [String: Int64]
        var expectedBytes: [String: Int64]
        var bytesLeft: Int64
        /// Bytes per second over the last minute.
        var rate: Double
        /// Seconds to go at `rate`; nil when nothing moves.
        var etaSeconds: Int?
        var failuresByReason: [Reason]
        /// Files by commons and state (a commons' URL, or the job's endpoint), as the `commons` view.
        var filesByCommons: [String: [String: Int]]

        struct Reason: Encodable {
            var reason: String
            var files: Int
        }
    }

    static func text(
        _ progress: JobProgress, rate: Double, reasons: [(reason: String, files: Int)],
        byCommons: [(commons: String, state: String, files: Int, bytes: Int64, done: Int64)], settings: JobSettings
    ) throws -> String {
        var filesByCommons: [String: [String: Int]] = [:]
        for count in byCommons { filesByCommons[count.commons, default: [:]][count.state, default: 0] += count.files }
        let left = progress.bytesToDownload
        let snapshot = Snapshot(
            downloadPath: settings.downloadPath,
            files: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, progress.count($0)) }),
            bytesDone: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, progress.bytesDone[$0] ?? 0) }),
            expectedBytes: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, progress.expectedBytes[$0] ?? 0) }),
            bytesLeft: left, rate: rate.rounded(), etaSeconds: rate > 0 && left > 0 ? Int((Double(left) / rate).rounded()) : nil,
            failuresByReason: reasons.map { Snapshot.Reason(reason: $0.reason, files: $0.files) }, filesByCommons: filesByCommons)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(snapshot), as: UTF8.self)
    }
}

/// `gen3 status`'s files by commons, when the job's files are in more than one.
enum CommonsSummary {
    static func lines(_ counts: [(commons: String, state: String, files: Int, bytes: Int64, done: Int64)]) -> String? {
        let byCommons = Dictionary(grouping: counts, by: \.commons)
        guard byCommons.count > 1 else { return nil }
        var lines = ["by commons (gen3 sql \"SELECT * FROM commons\"):"]
        for commons in byCommons.keys.sorted() {
            let states = (byCommons[commons] ?? []).sorted { $0.state < $1.state }.map { "\($0.files) \($0.state)" }
            lines.append("  \(commons): \(states.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
