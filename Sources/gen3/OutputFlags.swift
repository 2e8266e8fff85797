import ArgumentParser
import Foundation
import Gen3Kit

/// What a run shows and writes besides the files.
struct OutputFlags: ParsableArguments {
    @Flag(help: "No live progress (it goes to stderr: redrawn in place on a terminal, a line every 5 s otherwise).")
    var noProgress = false

    @Option(
        help: ArgumentHelp(
            "Write the result as JSON: {\"succeeded\": […], \"failed\": [{\"guid\", \"error\", \"attempts\"}], \"skipped\": […]}.",
            valueName: "file"))
    var report: String?

    @Option(
        help:
            "The report's shape: gen3 (failed files with their reasons and attempts) or sdk (exactly the Gen3 SDK's: failed as a list of GUIDs)."
    )
    var reportFormat: JobReport.Format = .gen3

    @Flag(help: "Print nothing but errors (for cron); the exit status says how the run went.")
    var quiet = false
}

extension JobReport.Format: ExpressibleByArgument {}
