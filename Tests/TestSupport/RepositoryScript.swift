import Foundation

/// Runs one of the repository's scripts (`scripts/NAME`) with bash, through `system`: the servers
/// and file-system daemons these scripts start keep descriptors that Foundation's `Process` would
/// wait on for ever (it reads the child's output to its end).
public enum RepositoryScript {
    /// The repository's `scripts/` directory, found from this source file.
    public static let directory =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts").path

    /// `bash scripts/<name> <arguments…>`, its standard input empty; what it printed, and its exit
    /// status (nonzero when it did not exit normally).
    public static func run(_ name: String, _ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let scratch = TemporaryDirectory("gen3-script")
        let quoted = ([directory + "/" + name] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let status = system("/bin/bash \(quoted.joined(separator: " ")) >\(scratch.file("out")) 2>\(scratch.file("err")) </dev/null")
        let read = { (file: String) in (try? String(contentsOfFile: scratch.file(file), encoding: .utf8)) ?? "" }
        return (status, read("out"), read("err"))
    }
}
