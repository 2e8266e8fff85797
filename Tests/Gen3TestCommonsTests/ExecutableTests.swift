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
        let (process, watchdog, line) = try start(
            [
                "--objects", "4", "--seed", "7", "--manifest-format", "tsv", "--write-manifest", directory + "/m.tsv",
                "--write-credentials", directory + "/credentials.json", "--ready-file", directory + "/endpoint",
            ], home: directory + "/home")
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

    func testFederationServesEveryCommonsWritesItsFilesAndExitsZero() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commons-exe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (process, watchdog, line) = try start(
            [
                "--federation", "3", "--objects", "4", "--write-manifest", directory + "/m.json",
                "--write-credentials", directory + "/keys", "--ready-file", directory + "/ready",
            ], home: directory + "/home")
        let ready = try String(contentsOfFile: directory + "/ready", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(line, "gen3-test-commons listening on \(ready[0])")
        XCTAssertEqual(ready.count, 6, ready.joined(separator: "\n"))
        let fields = ready.dropFirst().map { $0.split(separator: " ").map(String.init) }
        let resolver = try XCTUnwrap(fields.first { $0.first == "resolver" }?.last)
        let wts = try XCTUnwrap(fields.first { $0.first == "wts" }?.last)
        let commons = fields.filter { $0.first == "commons" }
        XCTAssertEqual(commons.map { $0[1] }, ["dg.TEST1", "dg.TEST2", "dg.TEST3"])
        XCTAssertEqual(commons[0][2], ready[0], "the hub comes first")

        let rows = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/m.json"))) as? [[String: Any]])
        XCTAssertEqual(rows.count, 12)
        XCTAssertTrue(rows.contains { $0["commons_url"] != nil })
        let dist = try Curl.run(resolver + "/index/_dist")
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(dist.body)) as? [Any])?.count, 4)
        XCTAssertEqual(try Curl.run(wts + "/wts/token/?idp=commons3").status, 200)
        for entry in commons {
            let endpoint = entry[2]
            let key = directory + "/keys/" + endpoint.replacingOccurrences(of: "http://", with: "") + ".json"
            let token = try Curl.run(
                endpoint + "/user/credentials/cdis/access_token", ["-X", "POST", "--data-binary", "@" + key])
            XCTAssertEqual(token.status, 200, "\(key): \(token.text)")
        }

        process.terminate()
        try watchdog.wait()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }

    /// The program's first line of output, which it prints once it listens: a signal from the
    /// program, not a sleep.
    /// Starts the program with `arguments` and reads the first line it prints; the watchdog also
    /// ends that read if the program never prints its line.
    private func start(_ arguments: [String], home: String) throws -> (Process, ProcessWatchdog, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.environment = Gen3Process.environment(home: home)
        try process.run()
        let watchdog = ProcessWatchdog(process)
        return (process, watchdog, Self.firstLine(of: output))
    }

    private static func firstLine(of output: Pipe) -> String {
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            printed += more
        }
        return String(decoding: printed, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }
}
