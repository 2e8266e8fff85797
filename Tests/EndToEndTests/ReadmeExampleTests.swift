import Foundation
import Gen3Kit
import TestSupport
import XCTest

/// README's Swift example, compiled here and run against the test commons. The test also checks
/// the README still shows exactly this code.
final class ReadmeExampleTests: XCTestCase {
    // README-EXAMPLE-BEGIN
    func downloadCohort(credentials: String, manifest: String, into directory: String) async throws -> Int {
        let commons = try Gen3Commons(credentialsPath: credentials) // endpoint: the key's issuer
        var options = BulkDownloadOptions()
        options.run.maxConcurrentRequests = 8
        let result = try await commons.download(manifest: manifest, to: directory, options: options)
        for failure in result.failed {
            print("\(failure.guid): \(failure.error) after \(failure.attempts) attempts")
        }
        let store = try commons.jobStore(for: directory) // the same SQLite job table
        return try store.progress().count(.done)
    }
    // README-EXAMPLE-END

    func testTheReadmeExampleDownloadsTheManifest() async throws {
        let job = try JobFixture(objects: 6)
        let done = try await downloadCohort(credentials: job.credentials, manifest: job.manifest, into: job.downloads)
        XCTAssertEqual(done, 6)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    func testTheReadmeShowsThisExample() throws {
        let here = try String(contentsOfFile: #filePath, encoding: .utf8)
        let begin = here.range(of: "// README-EXAMPLE-BEGIN\n")!
        let end = here.range(of: "    // README-EXAMPLE-END")!
        let example = here[begin.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : String($0) }.joined(separator: "\n")
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        XCTAssertTrue(
            try String(contentsOf: readme, encoding: .utf8).contains(example), "README.md's Swift example differs from this test's")
    }
}
