import Foundation
import TestSupport
import XCTest

/// What one `curl` run got: its exit code, the status, the headers (names lowercased) and the body.
struct CurlResult {
    let exitCode: Int32
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object.
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], "not a JSON object: \(text)",
            file: file, line: line)
    }
}

/// Runs `/usr/bin/curl` as a real, independent HTTP client of the commons.
enum Curl {
    static func run(_ url: String, _ arguments: [String] = []) throws -> CurlResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commons-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bodyPath = directory.appendingPathComponent("body").path
        let headerPath = directory.appendingPathComponent("headers").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "--noproxy", "*", "-o", bodyPath, "-D", headerPath, "-w", "%{http_code}"] + arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.environment = Gen3Process.environment(home: directory.appendingPathComponent("home").path)
        try process.run()
        let watchdog = ProcessWatchdog(process)
        let written = output.fileHandleForReading.readDataToEndOfFile()
        try watchdog.wait()
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        for line in headerText.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = FileManager.default.contents(atPath: bodyPath).map { [UInt8]($0) } ?? []
        return CurlResult(
            exitCode: process.terminationStatus, status: Int(String(decoding: written, as: UTF8.self)) ?? 0,
            headers: headers, body: body)
    }
}
