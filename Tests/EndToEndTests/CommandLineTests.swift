import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// The Gen3 SDK's commands and flags, on the real binary.
final class CommandLineTests: XCTestCase {
    private func sdkCommand(_ job: JobFixture, _ extra: [String]) throws -> ProcessResult {
        try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async",
                "--manifest", job.manifest, "--download-path", job.downloads,
            ] + extra, directory: job.directory.path)
    }

    func testDownloadMultipleAsyncWithTheSDKFlagsAndResume() throws {
        let job = try JobFixture(objects: 12)
        let flags = [
            "--max-concurrent-requests", "10", "--filename-format", "original", "--protocol", "s3", "--skip-completed",
            "--rename", "--no-prompt", "--no-progress", "--num-processes", "2",
        ]
        let first = try sdkCommand(job, flags)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: job.downloads + "/.gen3/jobs.sqlite"))
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
        // --protocol reaches Fence on whichever route signed the URLs (here the bulk one).
        let queries = job.commons.stats.downloadQueries
        XCTAssertFalse(queries.isEmpty)
        XCTAssertEqual(Set(queries), ["protocol=s3"], "\(queries)")
        let served = job.commons.stats.totalBytesServed
        let again = try sdkCommand(job, flags)
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(job.commons.stats.totalBytesServed, served, "the same command fetched finished files again")
        let settings = try Gen3Process.run([
            "--db", job.downloads + "/.gen3/jobs.sqlite", "sql", "--no-header",
            "SELECT protocol, filename_format FROM job_settings",
        ])
        XCTAssertEqual(settings.stdout, "s3\toriginal\n")
    }

    /// The key is checked before the import (seconds for a large manifest), not after it.
    func testDownloadMultipleAsyncRefusesARejectedKeyBeforeImporting() throws {
        let job = try JobFixture(objects: 3)
        let rejected = job.directory.file("rejected.json")
        try job.commons.writeCredentials(to: rejected, apiKeyValid: false)
        let refused = try Gen3Process.run([
            "--endpoint", job.commons.endpoint, "--auth", rejected, "download-multiple-async",
            "--manifest", job.manifest, "--download-path", job.downloads, "--no-prompt",
        ])
        XCTAssertEqual(refused.status, 2, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stderr.contains("rejected the API key"), refused.stderr)
        XCTAssertFalse(refused.stdout.contains("imported"), refused.stdout)
        let files = try Gen3Process.run(["--db", job.downloads + "/.gen3/jobs.sqlite", "sql", "--no-header", "SELECT count(*) FROM files"])
        XCTAssertEqual(files.stdout, "0\n", files.stderr)
        // The same command with the good key imports and downloads everything, asking for one token.
        let tokensBefore = job.commons.stats.tokensIssued
        let accepted = try sdkCommand(job, ["--no-prompt", "--no-progress"])
        XCTAssertEqual(accepted.status, 0, accepted.stdout + accepted.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
        XCTAssertEqual(job.commons.stats.tokensIssued - tokensBefore, 1)
    }

    func testVeryVerboseLogsRequestsButNoSecrets() throws {
        let job = try JobFixture(objects: 3)
        let run = try Gen3Process.run([
            "-vv", "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async",
            "--manifest", job.manifest, "--download-path", job.downloads, "--no-prompt",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("GET "), run.stderr)
        let apiKey = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.credentials))) as? [String: String])[
                "api_key"]!
        let tokens = job.commons.stats.accessTokens
        XCTAssertFalse(tokens.isEmpty)
        for secret in ["Bearer", "access_token", "sig=", apiKey] + tokens {
            XCTAssertFalse(run.stderr.contains(secret) || run.stdout.contains(secret), "\(secret) leaked into the output")
        }
    }

    func testPromptRefusesWithoutATerminalAndAsksOnOne() throws {
        let job = try JobFixture(objects: 3)
        let refused = try sdkCommand(job, [])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("--no-prompt"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("3 files to download") && refused.stderr.contains("free space"), refused.stderr)
        XCTAssertEqual(job.commons.stats.totalBytesServed, 0)

        // A pseudo-terminal through script(1): "n" cancels, "y" downloads.
        let command = [
            Gen3Process.gen3Path, "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async",
            "--manifest", job.manifest, "--download-path", job.downloads, "--no-progress",
        ]
        .map { "'\($0)'" }.joined(separator: " ")
        for (answer, status) in [("n", Int32(1)), ("y", Int32(0))] {
            let shell = try Gen3Process.runShell("printf '\(answer)\\n' | script -qec \"\(command)\" /dev/null")
            XCTAssertEqual(shell.status, status, shell.stdout + shell.stderr)
            XCTAssertTrue(shell.stdout.contains("Continue? [y/N]"), shell.stdout)
        }
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    func testFilenameFormats() throws {
        let job = try JobFixture(objects: 2)
        let object = job.commons.objects[0]
        XCTAssertEqual(try sdkCommand(job, ["--no-prompt", "--filename-format", "combined"]).status, 0)
        let safeGUID = object.guid.replacingOccurrences(of: "dg.TEST/", with: "")
        let stem = (object.fileName as NSString).deletingPathExtension
        let ext = (object.fileName as NSString).pathExtension
        XCTAssertEqual(job.md5(ofDownloaded: "\(stem)_\(safeGUID).\(ext)"), object.md5, "\(job.downloadedFiles)")

        let byGUID = try JobFixture(objects: 2)
        XCTAssertEqual(try sdkCommand(byGUID, ["--no-prompt", "--filename-format", "guid"]).status, 0)
        XCTAssertEqual(
            byGUID.md5(ofDownloaded: byGUID.commons.objects[0].guid.replacingOccurrences(of: "dg.TEST/", with: "")),
            byGUID.commons.objects[0].md5, "\(byGUID.downloadedFiles)")
    }

    /// A file already there with the right size and md5 is the file: done, never fetched. One that
    /// is not is never replaced without --overwrite: its download fails, naming the path and flags.
    func testSkipCompletedTrustsOnlyVerifiedFiles() throws {
        let job = try JobFixture(objects: 3)
        try FileManager.default.createDirectory(atPath: job.downloads, withIntermediateDirectories: true)
        let complete = job.commons.objects[0]
        let partial = job.commons.objects[1]
        let partialBytes = Data(job.commons.content(of: partial.guid)!.prefix(100))
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: job.downloads + "/" + complete.fileName, contents: Data(job.commons.content(of: complete.guid)!)))
        XCTAssertTrue(FileManager.default.createFile(atPath: job.downloads + "/" + partial.fileName, contents: partialBytes))
        let run = try sdkCommand(job, ["--no-prompt", "--skip-completed", "--report", job.directory.file("report.json")])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(job.commons.stats.bytesServed[complete.guid] ?? 0, 0, "a verified file was fetched again")
        XCTAssertEqual(
            FileManager.default.contents(atPath: job.downloads + "/" + partial.fileName), partialBytes,
            "a file the job did not write was replaced")
        let report = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.directory.file("report.json")))) as? [String: Any])
        XCTAssertEqual(report["skipped"] as? [String], [])
        XCTAssertEqual(Set(report["succeeded"] as? [String] ?? []), Set([complete.guid, job.commons.objects[2].guid]))
        let failed = try XCTUnwrap(report["failed"] as? [[String: Any]])
        XCTAssertEqual(failed.map { $0["guid"] as? String }, [partial.guid])
        let reason = failed.first?["error"] as? String ?? ""
        XCTAssertTrue(
            reason.contains(job.downloads + "/" + partial.fileName) && reason.contains("--rename") && reason.contains("--overwrite"), reason
        )
    }

    func testReportListsFailuresAndStatusWritesItForAPastRun() throws {
        let job = try JobFixture(objects: 2)
        job.commons.setFault(.status(404, at: .download), guid: job.commons.objects[0].guid, times: .always)
        let run = try sdkCommand(job, ["--no-prompt", "--report", job.directory.file("r1.json")])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("failed: 1") && run.stdout.contains("50.0%"), run.stdout)
        let status = try Gen3Process.run([
            "--db", job.downloads + "/.gen3/jobs.sqlite", "status", "--report", job.directory.file("r2.json"),
        ])
        XCTAssertEqual(status.status, 0, status.stderr)
        for name in ["r1.json", "r2.json"] {
            let report = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.directory.file(name)))) as? [String: Any])
            let failed = try XCTUnwrap(report["failed"] as? [[String: Any]])
            XCTAssertEqual(failed.first?["guid"] as? String, job.commons.objects[0].guid)
            XCTAssertEqual(failed.first?["attempts"] as? Int, 1)
            XCTAssertTrue((failed.first?["error"] as? String ?? "").contains("404"))
            XCTAssertEqual(report["succeeded"] as? [String], [job.commons.objects[1].guid])
        }
    }

    func testProgressOnANonTerminalIsPlainLines() throws {
        let job = try JobFixture(objects: 5)
        let run = try sdkCommand(job, ["--no-prompt"])
        XCTAssertEqual(run.status, 0)
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
        XCTAssertFalse(lines.isEmpty, run.stderr)
        XCTAssertTrue(lines.last!.hasPrefix("progress: 5/5 files"), "\(lines)")
        XCTAssertFalse(run.stderr.contains("\u{1B}["), "terminal escapes on a non-terminal")
        XCTAssertFalse(try sdkCommand(job, ["--no-prompt", "--no-progress"]).stderr.contains("progress: "))
    }

    func testCredentialsByNameAccessTokenAndEnvironment() throws {
        let job = try JobFixture(objects: 2)
        let home = TemporaryDirectory("home")
        try FileManager.default.createDirectory(atPath: home.path + "/.gen3", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: job.credentials, toPath: home.path + "/.gen3/prod.json")
        let byName = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", "prod", "download-single", job.commons.objects[0].guid,
                "--download-path", job.downloads,
            ], directory: home.path, environment: ["HOME": home.path])
        XCTAssertEqual(byName.status, 0, byName.stderr)
        XCTAssertEqual(job.md5(ofDownloaded: job.commons.objects[0].fileName), job.commons.objects[0].md5)

        let token = try AccessTokenProvider(endpoint: job.commons.endpoint, credentials: Credentials.load(path: job.credentials)).refresh()
        let byToken = try Gen3Process.run([
            "--endpoint", job.commons.endpoint, "--auth", "accesstoken:///" + token, "download-single",
            job.commons.objects[1].guid, "--download-path", job.downloads,
        ])
        XCTAssertEqual(byToken.status, 0, byToken.stderr)
        XCTAssertEqual(job.md5(ofDownloaded: job.commons.objects[1].fileName), job.commons.objects[1].md5)

        let other = TemporaryDirectory("env")
        let byEnvironment = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "download-single", job.commons.objects[0].guid,
                "--download-path", other.path,
            ], environment: ["GEN3_API_KEY": job.credentials])
        XCTAssertEqual(byEnvironment.status, 0, byEnvironment.stderr)
    }

    func testHelpExplainsEveryCommandWithDefaultsAndVersion() throws {
        for command in ["import-manifest", "run", "status", "sql", "retry", "download-multiple-async", "download-single"] {
            let help = try Gen3Process.run([command, "--help"])
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.contains("USAGE: gen3 \(command)"), command)
            XCTAssertTrue(help.stdout.contains("--endpoint"), "\(command) lacks the global options")
        }
        let run = try Gen3Process.run(["run", "--help"]).stdout
        XCTAssertTrue(run.contains("(default: 16)") && run.contains("(default: 64)"), run)
        XCTAssertEqual(try Gen3Process.run(["--version"]).stdout, Gen3Version.current + "\n")
        XCTAssertEqual(try Gen3Process.run(["run", "--no-such-flag"]).status, 2)
    }
}
