import Digest
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

    /// A manifest that is a named pipe another program writes is read once, whole, by the import:
    /// the head start that asks the resolvers for the first prefixes reads only regular files.
    func testAManifestFromANamedPipeIsReadWhole() throws {
        let job = try JobFixture(objects: 12)
        let fifo = job.directory.file("piped.json")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let manifest = try Data(contentsOf: URL(fileURLWithPath: job.manifest))
        // A reader that goes away early must not take the test down with it.
        signal(SIGPIPE, SIG_IGN)
        let written = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                manifest.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let count = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if count <= 0 { break }
                        offset += count
                    }
                }
                close(fd)
            }
            written.signal()
        }
        let result = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async", "--manifest", fifo,
                "--download-path", job.downloads, "--no-prompt", "--no-progress",
            ], directory: job.directory.path)
        // Unblocks the writer if nothing opened the pipe.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertEqual(written.wait(timeout: .now() + 30), .success)
        if reader >= 0 { close(reader) }
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName) }
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
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: job.downloads + "/.gen3/jobs.sqlite"), "nothing was imported, or even created")
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
        // Every request, with its status and time: the token, the bulk URLs, each body.
        XCTAssertTrue(run.stderr.contains("token request to \(job.commons.endpoint) → HTTP 200 in "), run.stderr)
        XCTAssertTrue(run.stderr.contains("POST \(job.commons.endpoint)/user/data/download/bulk (3 files) → HTTP 200 in "), run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "/objects/").count - 1 >= 3, true, run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: " → HTTP 200 in ").count - 1, 5, run.stderr)
        // Each request says whether it opened its connection: the bulk request goes over the one
        // the token request opened (`CurlShare`), each body over one of its own.
        let lines = run.stderr.split(separator: "\n")
        let bulk = try XCTUnwrap(lines.first { $0.contains("/user/data/download/bulk (3 files)") })
        XCTAssertTrue(bulk.hasSuffix(" ms"), String(bulk))
        let bodies = lines.filter { $0.contains("/objects/") && $0.contains(" → HTTP 200 in ") }
        XCTAssertEqual(bodies.count, 3, run.stderr)
        XCTAssertTrue(bodies.contains { $0.hasSuffix(" ms on a new connection") }, run.stderr)
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
        XCTAssertFalse(FileManager.default.fileExists(atPath: job.downloads), "a refusal left the download directory behind")

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
            if answer == "n" { XCTAssertFalse(FileManager.default.fileExists(atPath: job.downloads), "declining left something behind") }
        }
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
    }

    /// --dry-run prints the plan and writes nothing, also when the import would stop on a clash.
    func testDryRunPrintsThePlanAndWritesNothing() throws {
        let job = try JobFixture(objects: 3)
        let plan = try sdkCommand(job, ["--dry-run"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("3 files to download") && plan.stdout.contains("to: \(job.downloads)"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("free space there: "), plan.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: job.downloads))
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 0)

        let clashing = job.directory.file("clash.tsv")
        let rows = job.commons.objects.map { "\($0.guid)\tsame.bin\t\($0.size)" }
        try (["guid\tfile_name\tsize"] + rows).joined(separator: "\n").write(toFile: clashing, atomically: true, encoding: .utf8)
        let clash = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async", "--manifest", clashing,
                "--download-path", job.downloads, "--dry-run",
            ], directory: job.directory.path)
        XCTAssertEqual(clash.status, 0, clash.stderr)
        XCTAssertTrue(clash.stdout.contains("the import would stop") && clash.stdout.contains("same.bin"), clash.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: job.downloads))
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
        // A run of well under a second still shows the rate it went at.
        XCTAssertFalse(lines.last!.contains("  0 B/s"), "\(lines)")
        XCTAssertTrue(lines.last!.contains("B/s"), "\(lines)")
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

    /// The Gen3 SDK's and gen3-client's spellings: a value after a flag, --numparallel,
    /// --queue-size, the download-multiple name, --path and --guid=, GEN3_ENDPOINT, the SDK's
    /// report shape, and --quiet.
    func testTheSDKsAndGen3ClientsSpellingsWork() throws {
        let job = try JobFixture(objects: 3)
        job.commons.setFault(.status(404, at: .download), guid: job.commons.objects[0].guid, times: .always)
        let report = job.directory.file("sdk.json")
        let run = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple", "--manifest", job.manifest,
                "--download-path", job.downloads, "--skip-completed", "true", "--rename=false", "--no-prompt=true", "--numparallel", "4",
                "--queue-size", "100", "--report", report, "--report-format", "sdk", "--quiet",
            ], directory: job.directory.path)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(run.stdout, "", "--quiet prints nothing but errors")
        let shape = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        XCTAssertEqual(shape["failed"] as? [String], [job.commons.objects[0].guid])
        XCTAssertEqual(Set(shape["succeeded"] as? [String] ?? []), Set(job.commons.objects.dropFirst().map(\.guid)))

        let single = job.commons.objects[1]
        let elsewhere = job.directory.file("single")
        let one = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-single", "--guid=\(single.guid)", "--path",
                elsewhere,
            ],
            directory: job.directory.path)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: elsewhere + "/" + single.fileName).map { MD5.hex([UInt8]($0)) }, single.md5)

        // The SDK's own spelling of it: gen3 file download-single GUID --path DIR.
        let viaFile = try Gen3Process.run(
            [
                "--endpoint", job.commons.endpoint, "--auth", job.credentials, "file", "download-single", job.commons.objects[2].guid,
                "--path", elsewhere,
            ], directory: job.directory.path)
        XCTAssertEqual(viaFile.status, 0, viaFile.stderr)
        XCTAssertEqual(
            FileManager.default.contents(atPath: elsewhere + "/" + job.commons.objects[2].fileName).map { MD5.hex([UInt8]($0)) },
            job.commons.objects[2].md5)

        // GEN3_ENDPOINT is the endpoint when --endpoint is not given: here one where nothing listens.
        let nowhere = try Gen3Process.run(
            ["--auth", job.credentials, "download-single", single.guid, "--path", job.directory.file("nowhere")],
            directory: job.directory.path, environment: ["GEN3_ENDPOINT": "http://127.0.0.1:9"])
        XCTAssertEqual(nowhere.status, 2, nowhere.stderr)
        XCTAssertTrue(nowhere.stderr.contains("http://127.0.0.1:9"), nowhere.stderr)
    }

    func testStatusJSONForMonitoringAndWatchEndsWhenNothingIsLeft() throws {
        let job = try JobFixture(objects: 3)
        job.commons.setFault(.status(404, at: .download), guid: job.commons.objects[0].guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--no-progress"]).status, 1)
        for extra in [[], ["--watch"]] {
            let status = try job.gen3(["status", "--json"] + extra)
            XCTAssertEqual(status.status, 0, status.stderr)
            let lines = status.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "--watch prints once for a job with nothing left: \(status.stdout)")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            let files = try XCTUnwrap(object["files"] as? [String: Int])
            XCTAssertEqual(files["done"], 2)
            XCTAssertEqual(files["failed"], 1)
            XCTAssertEqual(object["download_path"] as? String, job.downloads)
            XCTAssertEqual(object["files_by_commons"] as? [String: [String: Int]], [job.commons.endpoint: ["done": 2, "failed": 1]])
            XCTAssertGreaterThan(object["rate"] as? Double ?? 0, 0, "the files just downloaded count in the last minute")
            let reasons = try XCTUnwrap(object["failures_by_reason"] as? [[String: Any]])
            XCTAssertEqual(reasons.count, 1)
            XCTAssertEqual(reasons.first?["files"] as? Int, 1)
            XCTAssertTrue((reasons.first?["reason"] as? String ?? "").contains("404"), "\(reasons)")
        }
    }

    /// A gen3-client user's profile is all the credentials needed: its key and its endpoint.
    func testAGen3ClientProfileGivesTheKeyAndTheEndpoint() throws {
        let job = try JobFixture(objects: 2)
        let home = job.directory.file("home")
        try FileManager.default.createDirectory(atPath: home + "/.gen3", withIntermediateDirectories: true)
        let key = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.credentials))) as? [String: String])
        let ini = """
            [default]
            api_key=not-this-one
            api_endpoint=http://127.0.0.1:9

            ; the one to use
            [test]
            key_id=\(key["key_id"] ?? "")
            api_key=\(key["api_key"] ?? "")
            access_token=
            api_endpoint=\(job.commons.endpoint)
            use_shepherd=
            """
        try ini.write(toFile: home + "/.gen3/gen3_client_config.ini", atomically: true, encoding: .utf8)
        let run = try Gen3Process.run(
            ["--profile", "test", "download-multiple-async", "--manifest", job.manifest, "--download-path", job.downloads, "--no-prompt"],
            directory: job.directory.path, environment: ["HOME": home])
        XCTAssertEqual(run.status, 0, run.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
        let missing = try Gen3Process.run(
            ["--profile", "nope", "download-multiple-async", "--manifest", job.manifest, "--download-path", job.downloads, "--no-prompt"],
            directory: job.directory.path, environment: ["HOME": home])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no profile [nope]; it has default, test"), missing.stderr)
    }

    /// --log-file gets the -v lines with times, from every worker process, even when stderr is quiet.
    func testTheLogFileHasTheVerboseLinesWithTimesAndNoSecrets() throws {
        let job = try JobFixture(objects: 4)
        job.commons.setFault(.status(503, at: .download), guid: job.commons.objects[0].guid, times: .times(1))
        let log = job.directory.file("gen3.log")
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.gen3([
            "--log-file", log, "run", "--workers", "2", "--no-progress", "--no-bulk-urls", "--retry-base-delay", "0.05",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stderr.contains("attempt 1 failed"), "stderr stays at its level: \(run.stderr)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(text.contains("info \(job.commons.objects[0].guid) attempt 1 failed: fence: HTTP 503"), text)
        // Each worker process ends with its summary line.
        let summaries = text.split(separator: "\n").filter { $0.contains(" outcomes in ") }
        let pids = Set(summaries.compactMap { $0.split(separator: " ").dropFirst(2).first })
        XCTAssertEqual(pids.count, 2, "both worker processes write to it: \(text)")
        for line in text.split(separator: "\n") {
            XCTAssertNotNil(ISO8601DateFormatter().date(from: String(line.prefix { $0 != " " })), "a line without its time: \(line)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: log)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        for secret in ["Bearer", "sig="] { XCTAssertFalse(text.contains(secret), secret) }
    }

    /// gen3-client's documented command lines, `gen3-client` replaced by `gen3`, equals signs and all.
    func testGen3ClientsCommandLinesAsDocumented() throws {
        let job = try JobFixture(objects: 3)
        let home = job.directory.file("home")
        try FileManager.default.createDirectory(atPath: home + "/.gen3", withIntermediateDirectories: true)
        let key = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.credentials))) as? [String: String])
        try "[demo]\nkey_id=\(key["key_id"] ?? "")\napi_key=\(key["api_key"] ?? "")\napi_endpoint=\(job.commons.endpoint)\n"
            .write(toFile: home + "/.gen3/gen3_client_config.ini", atomically: true, encoding: .utf8)
        let lines = [
            [
                "download-multiple", "--profile=demo", "--manifest=\(job.manifest)", "--download-path=\(job.downloads)", "--protocol=s3",
                "--numparallel=2", "--skip-completed", "--no-prompt",
            ],
            [
                "download-single", "--profile=demo", "--guid=\(job.commons.objects[0].guid)",
                "--download-path=\(job.directory.file("one"))",
                "--no-prompt",
            ],
        ]
        for line in lines {
            let run = try Gen3Process.run(line, directory: job.directory.path, environment: ["HOME": home])
            XCTAssertEqual(run.status, 0, "\(line): \(run.stderr)")
        }
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
        let single = job.directory.file("one") + "/" + job.commons.objects[0].fileName
        XCTAssertEqual(FileManager.default.contents(atPath: single).map { MD5.hex([UInt8]($0)) }, job.commons.objects[0].md5)
    }

    /// A GDC portal manifest imports and downloads as it is; a --db that is not a job database is
    /// refused by name and left as it was.
    func testAGDCManifestDownloadsAndAForeignDatabaseIsLeftAlone() throws {
        let job = try JobFixture(objects: 2)
        let gdc = job.directory.file("gdc_manifest.txt")
        let rows = job.commons.objects.map { "\($0.guid)\t\($0.fileName)\t\($0.md5)\t\($0.size)\treleased" }
        try (["id\tfilename\tmd5\tsize\tstate"] + rows).joined(separator: "\n").write(toFile: gdc, atomically: true, encoding: .utf8)
        XCTAssertEqual(try job.importManifest(gdc, extra: ["--format", "tsv"]).status, 0)
        XCTAssertEqual(try job.run(["--no-progress"]).status, 0)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }

        let notes = job.directory.file("notes.sqlite")
        try "my notes, not a database\n".write(toFile: notes, atomically: true, encoding: .utf8)
        for command in [["status"], ["run"], ["sql", "SELECT 1"]] {
            let refused = try Gen3Process.run(["--db", notes] + command, directory: job.directory.path)
            XCTAssertEqual(refused.status, 2, "\(command)")
            XCTAssertTrue(refused.stderr.contains("not a gen3 job database: \(notes)"), refused.stderr)
        }
        XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), "my notes, not a database\n")
    }

    func testSQLOnlyReadsUnlessToldAndRunsOneStatement() throws {
        let job = try JobFixture(objects: 2)
        XCTAssertEqual(try job.importManifest().status, 0)
        let update = try job.gen3(["sql", "UPDATE files SET state = 'failed'"])
        XCTAssertEqual(update.status, 2)
        XCTAssertTrue(update.stderr.contains("gen3 sql only reads: pass --write"), update.stderr)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'pending'"), ["2"])
        let two = try job.gen3(["sql", "SELECT 1; DELETE FROM files"])
        XCTAssertEqual(two.status, 2)
        XCTAssertTrue(two.stderr.contains("gen3 sql runs one statement"), two.stderr)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files"), ["2"])
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files; -- a comment is not a statement\n"), ["2"])
        XCTAssertEqual(try job.gen3(["sql", "--write", "UPDATE files SET state = 'failed'"]).status, 0)
        XCTAssertEqual(try job.sql("SELECT count(*) FROM files WHERE state = 'failed'"), ["2"])
        XCTAssertNil(try job.countsDrift(), "after a user's UPDATE")
    }

    func testHelpExplainsEveryCommandWithDefaultsAndVersion() throws {
        for command in ["import-manifest", "run", "status", "sql", "retry", "download-multiple-async", "download-single"] {
            let help = try Gen3Process.run([command, "--help"])
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.contains("USAGE: gen3 \(command)"), command)
            XCTAssertTrue(help.stdout.contains("--endpoint"), "\(command) lacks the global options")
        }
        let run = try Gen3Process.run(["run", "--help"]).stdout
        XCTAssertTrue(
            run.contains("Default: 128, or 256 when the commons takes 10 ms") && run.contains("as many as the open-file limit")
                && run.contains("(default: 256)"), run)
        XCTAssertEqual(try Gen3Process.run(["--version"]).stdout, Gen3Version.current + "\n")
        XCTAssertEqual(try Gen3Process.run(["run", "--no-such-flag"]).status, 2)
    }
}
