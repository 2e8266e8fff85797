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
}
