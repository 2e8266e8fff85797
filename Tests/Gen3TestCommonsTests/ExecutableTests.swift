import Foundation
import TestSupport
import XCTest

/// The `gen3-test-commons` program as scripts use it.
final class ExecutableTests: XCTestCase {
    private var binary: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (executable as NSString).deletingLastPathComponent
        while directory.contains(".xctest") { directory = (directory as NSString).deletingLastPathComponent }
        return directory + "/gen3-test-commons"
    }

    func testServesUntilSIGTERMThenExitsZero() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commons-exe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--objects", "4", "--seed", "7", "--manifest-format", "tsv", "--write-manifest", directory + "/m.tsv",
            "--write-credentials", directory + "/credentials.json", "--ready-file", directory + "/endpoint",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.environment = Gen3Process.environment(home: directory + "/home")
        try process.run()
        // Also ends the read below if the program never prints its line.
        let watchdog = ProcessWatchdog(process)

        // The first line arrives once the server listens: a signal from the program, not a sleep.
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            printed += more
        }
        let line = String(decoding: printed, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let endpoint = try String(contentsOfFile: directory + "/endpoint", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(line, "gen3-test-commons listening on \(endpoint)")
        XCTAssertEqual(try String(contentsOfFile: directory + "/m.tsv", encoding: .utf8).split(separator: "\n").count, 5)

        let token = try Curl.run(
            endpoint + "/user/credentials/cdis/access_token",
            ["-X", "POST", "--data-binary", "@" + directory + "/credentials.json"])
        XCTAssertEqual(token.status, 200, token.text)

        process.terminate()
        try watchdog.wait()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
