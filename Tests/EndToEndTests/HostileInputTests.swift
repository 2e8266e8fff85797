import Foundation
import Gen3Kit
import Gen3TestCommons
import TestSupport
import XCTest

/// Names, URLs and sizes from the server and the manifest are hostile; secrets stay secret.
final class HostileInputTests: XCTestCase {
    /// Everything under the fixture's directory except the download path and gen3's own files.
    private func strayFiles(_ job: JobFixture) -> [String] {
        let ours: Set<String> = ["credentials.json", "manifest.json", "job.sqlite", "job.sqlite-wal", "job.sqlite-shm"]
        return TemporaryDirectory.listing(job.directory.path).filter { !$0.hasPrefix("data/") && !ours.contains($0) }
    }

    func testHostileFileNamesStayPlainFilesInsideTheDownloadPath() throws {
        let job = try JobFixture(objects: 0)
        let names = [
            "../../escape", "/etc/passwd-copy", "a/../../b", "..", ".", "x\u{0}y", "bell\u{7}\u{1b}[31m",
            String(repeating: "n", count: 10_000) + ".txt", ".bashrc", "C:\\Windows\\evil.dll", "invoice\u{202e}fdp.exe",
            "mark\u{200f}x", "del\u{7f}x", "c1\u{85}\u{9b}x", "sneaky.part", String(repeating: "p", count: 195) + ".part",
        ]
        let objects = names.enumerated().map { index, name in
            job.commons.addObject(guid: "dg.TEST/hostile-\(index)", fileName: name, content: Array("file \(index)".utf8))
        }
        try job.commons.writeManifest(to: job.manifest)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run()
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(strayFiles(job), [], "something was written outside the download path")
        let files = job.downloadedFiles
        XCTAssertEqual(files.count, names.count, "\(files)")
        // README: no separators, no control or bidi characters, no leading dot, at most 200 bytes,
        // never ending in `.part`.
        let bidi: Set<UInt32> = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]
        for file in files {
            XCTAssertFalse(file.contains("/"), "\(file) is not directly inside the download path")
            XCTAssertFalse(file.hasPrefix("."), file)
            XCTAssertLessThanOrEqual(file.utf8.count, 200, file)
            XCTAssertFalse(file.hasSuffix(".part"), file)
            XCTAssertFalse(file.unicodeScalars.contains { $0.value < 0x20 || (0x7f..<0xa0).contains($0.value) }, file.debugDescription)
            XCTAssertFalse(file.unicodeScalars.contains { bidi.contains($0.value) }, file.debugDescription)
        }
        // The mapping from the untrusted name to the safe one is recorded.
        XCTAssertEqual(try job.sql("SELECT dest_name FROM files WHERE guid = 'dg.TEST/hostile-0'"), ["escape"])
        XCTAssertEqual(try job.sql("SELECT file_name FROM files WHERE guid = 'dg.TEST/hostile-0'"), ["../../escape"])
        for object in objects {
            let dest = try job.sql("SELECT dest_name FROM files WHERE guid = '\(object.guid)'").first ?? ""
            XCTAssertEqual(job.md5(ofDownloaded: dest), object.md5, object.fileName)
        }
    }

    /// Plants a symlink at the first file's final name and at the second's part name, each
    /// pointing outside the download directory, then runs the job.
    private func runWithPlantedSymlinks(minSize: Int, maxSize: Int) throws -> (job: JobFixture, run: ProcessResult, partLink: String) {
        let job = try JobFixture(objects: 2, minSize: minSize, maxSize: maxSize)
        try FileManager.default.createDirectory(atPath: job.downloads, withIntermediateDirectories: true)
        let outside = TemporaryDirectory("outside")
        let targetA = outside.file("a")
        let targetB = outside.file("b")
        try "untouched".write(toFile: targetA, atomically: true, encoding: .utf8)
        try "untouched".write(toFile: targetB, atomically: true, encoding: .utf8)
        let first = job.commons.objects[0]
        let second = job.commons.objects[1]
        let partLink = job.downloads + "/" + second.fileName + ".part"
        try FileManager.default.createSymbolicLink(atPath: job.downloads + "/" + first.fileName, withDestinationPath: targetA)
        try FileManager.default.createSymbolicLink(atPath: partLink, withDestinationPath: targetB)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["--max-attempts", "1", "--overwrite"])
        XCTAssertEqual(try String(contentsOfFile: targetA, encoding: .utf8), "untouched")
        XCTAssertEqual(try String(contentsOfFile: targetB, encoding: .utf8), "untouched")
        // With --overwrite the link at the final name is replaced by the verified file, never
        // written through (without it the link stays: DataSafetyTests).
        XCTAssertEqual(job.md5(ofDownloaded: first.fileName), first.md5)
        return (job, run, partLink)
    }

    /// A file large enough to be written to its part file as it arrives refuses the planted link.
    func testSymlinksPlantedAtTheDestinationOrPartFileAreNotFollowed() throws {
        let (job, run, _) = try runWithPlantedSymlinks(minSize: 96 * 1024, maxSize: 128 * 1024)
        XCTAssertEqual(run.status, 1)
        let failure = try job.sql("SELECT last_error FROM failures")
        XCTAssertEqual(failure.count, 1)
        XCTAssertTrue(failure[0].contains("symlink"), "\(failure)")
    }

    /// A small file is assembled in memory and written to a file of its own with no name until it is
    /// verified: the link at its part name is neither followed nor needed, and stays as it was.
    func testSmallFilesNeverUseAPlantedPartSymlink() throws {
        let (job, run, partLink) = try runWithPlantedSymlinks(minSize: 1024, maxSize: 16 * 1024)
        XCTAssertEqual(run.status, 0, run.stderr)
        let second = job.commons.objects[1]
        XCTAssertEqual(job.md5(ofDownloaded: second.fileName), second.md5)
        XCTAssertNotNil(try? FileManager.default.destinationOfSymbolicLink(atPath: partLink))
    }

    func testPresignedURLsThatAreNotHTTPFailWithAReason() throws {
        let job = try JobFixture(objects: 4)
        let urls = ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x", "dict://127.0.0.1/x"]
        for (object, url) in zip(job.commons.objects, urls) {
            job.commons.setFault(.presignedURL(url), guid: object.guid, times: .always)
        }
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run().status, 1)
        let reasons = try job.sql("SELECT attempts, last_error FROM failures")
        XCTAssertEqual(reasons.count, 4)
        XCTAssertTrue(reasons.allSatisfy { $0.hasPrefix("1\t") && $0.contains("not http(s)") }, "\(reasons)")
        XCTAssertEqual(job.downloadedFiles, [])
        XCTAssertEqual(strayFiles(job), [])
    }

    func testARedirectToAFileURLFails() throws {
        let job = try JobFixture(objects: 1)
        job.commons.setFault(.redirect(to: "file:///etc/passwd"), guid: job.commons.objects[0].guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run().status, 1)
        let reasons = try job.sql("SELECT attempts, last_error FROM failures")
        XCTAssertEqual(reasons.count, 1)
        XCTAssertTrue(reasons[0].hasPrefix("1\t") && reasons[0].lowercased().contains("protocol"), "\(reasons)")
        XCTAssertNil(job.md5(ofDownloaded: job.commons.objects[0].fileName))
    }

    /// README: at most 5 redirects. Each storage request for a file answers `302` back to the
    /// file's own presigned URL, 5 times in a row for one file and 6 for the other, then the body.
    func testFiveRedirectsAreFollowedAndASixthFailsTheFile() throws {
        let job = try JobFixture(objects: 2)
        let (five, six) = (job.commons.objects[0], job.commons.objects[1])
        for (object, hops) in [(five, 5), (six, 6)] {
            let url = try XCTUnwrap(job.commons.presignedURL(for: object.guid))
            job.commons.setFault(.redirect(to: url), guid: object.guid, times: .times(hops))
        }
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--max-attempts", "3"]).status, 1)
        XCTAssertEqual(job.md5(ofDownloaded: five.fileName), five.md5, "5 redirects were not followed")
        let failures = try job.sql("SELECT guid, attempts, last_error FROM failures")
        XCTAssertEqual(failures.count, 1, "\(failures)")
        XCTAssertTrue(failures.first?.hasPrefix("\(six.guid)\t1\t") ?? false, "\(failures)")
        XCTAssertTrue(failures.first?.lowercased().contains("redirects") ?? false, "\(failures)")
        XCTAssertNil(job.md5(ofDownloaded: six.fileName))
        // 5 redirects and the body, then the 6 redirects the second file got before it stopped.
        XCTAssertEqual(job.commons.stats.requests[.storage], 12)
        XCTAssertEqual(job.commons.stats.faultsFired, 11)
    }

    /// README: Fence requests follow no redirect, so the bearer token goes only to the endpoint.
    /// Fence answers `302` to another listener on loopback (one-file and bulk route alike), which
    /// must see no connection at all; the files fail saying what Fence answered.
    func testFenceRedirectsAreNotFollowed() throws {
        let elsewhere = try TestCommons.start()
        let job = try JobFixture(objects: 2)
        for object in job.commons.objects {
            job.commons.setFault(
                .apiRedirect(to: elsewhere.endpoint + "/user/data/download/" + object.guid, at: .download), guid: object.guid,
                times: .always)
        }
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--max-attempts", "2"]).status, 1)
        XCTAssertGreaterThanOrEqual(job.commons.stats.requests[.bulkDownload] ?? 0, 1)
        XCTAssertGreaterThanOrEqual(job.commons.stats.requests[.download] ?? 0, 2)
        XCTAssertEqual(elsewhere.stats.connectionsAccepted, 0, "a Fence redirect was followed")
        XCTAssertEqual(try job.sql("SELECT attempts, last_error FROM failures"), ["1\tfence: HTTP 302 ", "1\tfence: HTTP 302 "])
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 0)
    }

    /// The token request follows none either: a `302` from the token endpoint stops the run.
    func testATokenEndpointRedirectIsNotFollowed() throws {
        let elsewhere = try TestCommons.start()
        let job = try JobFixture(objects: 1)
        job.commons.setFault(.apiRedirect(to: elsewhere.endpoint + "/user/credentials/cdis/access_token", at: .token), times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run()
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("302"), run.stderr)
        XCTAssertEqual(elsewhere.stats.connectionsAccepted, 0, "the token request followed a redirect")
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 0)
    }

    func testTheBearerTokenNeverReachesTheStorageHost() throws {
        let job = try JobFixture(objects: 5)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run().status, 0)
        XCTAssertGreaterThan(job.commons.stats.requests[.storage] ?? 0, 0)
        XCTAssertEqual(job.commons.stats.authorizationHeadersAtStorage, 0)
    }

    func testABodyLongerThanItsSizeIsCutOffAndFails() throws {
        let job = try JobFixture(objects: 1)
        let object = job.commons.objects[0]
        job.commons.setFault(.extraBytes(5000), guid: object.guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--max-attempts", "2"]).status, 1)
        let reasons = try job.sql("SELECT last_error FROM failures")
        XCTAssertEqual(reasons.count, 1)
        XCTAssertTrue(reasons[0].contains("more than the expected \(object.size) bytes"), "\(reasons)")
        XCTAssertEqual(job.downloadedFiles, [], "an oversized body reached the disk")
    }

    /// The same for a file over 64 KiB, which goes to its part file as it arrives: cut at its size,
    /// failed, and neither the final name nor a part file is left.
    func testABodyLongerThanItsSizeIsCutOffAndFailsForAFileWrittenAsItArrives() throws {
        let job = try JobFixture(objects: 1, minSize: 96 * 1024, maxSize: 128 * 1024)
        let object = job.commons.objects[0]
        job.commons.setFault(.extraBytes(5000), guid: object.guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--max-attempts", "2"]).status, 1)
        let reasons = try job.sql("SELECT last_error FROM failures")
        XCTAssertEqual(reasons.count, 1)
        XCTAssertTrue(reasons.first?.contains("more than the expected \(object.size) bytes") ?? false, "\(reasons)")
        XCTAssertEqual(job.downloadedFiles, [], "an oversized body reached the disk")
    }

    /// Bodies without a Content-Length, ended by the connection's close (HTTP/1.0): curl cannot tell
    /// whether one was cut, so the file's size decides. A whole body is done; a short one is
    /// continued from its end; a long one is cut and fails. Small (in memory) and large files alike.
    func testCloseDelimitedBodiesAreCheckedAgainstTheFileSize() throws {
        let job = try JobFixture(objects: 3, minSize: 96 * 1024, maxSize: 128 * 1024)
        let (whole, short, long) = (job.commons.objects[0], job.commons.objects[1], job.commons.objects[2])
        let small = job.commons.addObject(guid: "dg.TEST/small", fileName: "small.bin", content: Array(repeating: 7, count: 10_000))
        let smallLong = job.commons.addObject(
            guid: "dg.TEST/small-long", fileName: "small-long.bin", content: Array(repeating: 9, count: 10_000))
        try job.commons.writeManifest(to: job.manifest)
        for (object, bytes, times) in [
            (whole, whole.size, FaultCount.times(1)), (short, short.size - 10_000, .times(1)), (long, long.size + 5000, .always),
            (small, small.size, .times(1)), (smallLong, smallLong.size + 1, .always),
        ] {
            job.commons.setFault(.closeDelimited(bytes: bytes), guid: object.guid, times: times)
        }
        XCTAssertEqual(try job.importManifest().status, 0)
        XCTAssertEqual(try job.run(["--max-attempts", "2"]).status, 1)
        for object in [whole, short, small] { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5, object.fileName) }
        XCTAssertEqual(
            try job.sql("SELECT guid, attempts FROM files WHERE state = 'done' ORDER BY guid"),
            [
                "\(whole.guid)\t1", "\(short.guid)\t2", "\(small.guid)\t1",
            ].sorted())
        XCTAssertEqual(job.commons.stats.rangeStarts[short.guid], [short.size - 10_000], "the short body was not continued")
        let failed = try job.sql("SELECT guid, last_error FROM failures ORDER BY guid")
        XCTAssertEqual(failed.count, 2, "\(failed)")
        for (line, object) in zip(failed, [long, smallLong].sorted { $0.guid < $1.guid }) {
            XCTAssertTrue(line.hasPrefix(object.guid + "\t") && line.contains("more than the expected \(object.size) bytes"), line)
            XCTAssertNil(job.md5(ofDownloaded: object.fileName))
        }
    }

    /// README: API answers are capped at 1 MiB before parsing. Fence's answers here are valid (their
    /// URLs work), only long: one of exactly 1 MiB is read and its file downloaded; one a byte longer
    /// is refused, saying why, and its file never reaches the storage host.
    func testAFenceAnswerOverOneMiBIsRefusedOnTheOneFileRoute() throws {
        let job = try JobFixture(objects: 2)
        let (fits, over) = (job.commons.objects[0], job.commons.objects[1])
        job.commons.setFault(.paddedAnswer(toBytes: 1_048_576), guid: fits.guid, times: .always)
        job.commons.setFault(.paddedAnswer(toBytes: 1_048_577), guid: over.guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["--max-attempts", "2", "--no-bulk-urls"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(
            try job.sql("SELECT guid, attempts, last_error FROM failures"),
            ["\(over.guid)\t2\tfence: the commons' answer exceeded 1 MiB (gave up after 2 attempts)"])
        XCTAssertEqual(job.md5(ofDownloaded: fits.fileName), fits.md5)
        XCTAssertEqual(job.commons.stats.requests[.download], 3, "one answer for the file that fits, two for the other")
        XCTAssertEqual(job.commons.stats.requests[.storage], 1, "the file whose answer was too long was fetched")
    }

    /// The bulk route's answer is capped too: padded past 1 MiB, it is refused (the files then ask
    /// one at a time, and those answers are too long as well), and no URL in it is used.
    func testABulkFenceAnswerOverOneMiBIsRefused() throws {
        let job = try JobFixture(objects: 3)
        for object in job.commons.objects {
            job.commons.setFault(.paddedAnswer(toBytes: 1_048_577), guid: object.guid, times: .always)
        }
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["--max-attempts", "2", "--workers", "1", "-v"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertGreaterThanOrEqual(job.commons.stats.requests[.bulkDownload] ?? 0, 1)
        XCTAssertTrue(
            run.stderr.contains("bulk presigned-URL request to \(job.commons.endpoint) failed (the commons' answer exceeded 1 MiB)"),
            "the bulk answer was not refused for its size: \(run.stderr)")
        XCTAssertEqual(try job.sql("SELECT count(*) FROM failures WHERE last_error LIKE '%answer exceeded 1 MiB%'"), ["3"])
        XCTAssertEqual(job.commons.stats.requests[.storage] ?? 0, 0, "a URL from an answer over the cap was used")
        XCTAssertEqual(job.downloadedFiles, [])
    }

    private func apiKey(_ job: JobFixture) throws -> String {
        let credentials = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.credentials)))
        return try XCTUnwrap((credentials as? [String: String])?["api_key"])
    }

    /// Fails unless every file in `paths` exists, and names any that holds one of `secrets`.
    private func assertNoSecrets(
        _ secrets: [String], in paths: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                XCTFail("\(path) was not written", file: file, line: line)
                continue
            }
            for secret in secrets where data.range(of: Data(secret.utf8)) != nil {
                XCTFail("a secret (\(secret.prefix(12))…) is in \(path)", file: file, line: line)
            }
        }
    }

    private func mode(_ path: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
    }

    /// A run with a real credentials file: the API key and every access token the commons issued
    /// (to the preflight check and to the workers) appear in nothing the run writes: stdout and
    /// stderr at -vv, the report, the job database, its WAL (read while the run holds it open), the
    /// workers' arguments. The database, WAL and shared-memory files are 0600 under umask 022.
    func testSecretsStayOutOfEverythingARunWrites() throws {
        let job = try JobFixture(objects: 3)
        // One body stalls until the faults are cleared: the run holds its database open meanwhile.
        job.commons.setFault(.stall, guid: job.commons.objects[0].guid, times: .always)
        let out = job.directory.file("out")
        let err = job.directory.file("err")
        let report = job.directory.file("report.json")
        let database = job.downloads + "/.gen3/jobs.sqlite"
        let previousUmask = umask(0o022)
        let process = try Gen3Process.start(
            [
                "-vv", "--endpoint", job.commons.endpoint, "--auth", job.credentials, "download-multiple-async",
                "--manifest", job.manifest, "--download-path", job.downloads, "--no-prompt", "--num-processes", "2",
                "--stall-timeout", "1", "--max-attempts", "1000", "--retry-base-delay", "0.05", "--retry-max-delay", "0.2",
                "--report", report,
            ],
            stdout: out, stderr: err)
        umask(previousUmask)
        // Every file asked for, and the stalled one again: its first attempt's outcome is committed.
        try job.commons.waitForRequests(route: .storage, count: 4)
        for path in [database, database + "-wal", database + "-shm"] {
            XCTAssertEqual(mode(path), 0o600, "\(path) is not 0600 while the run has it open")
        }
        let walWhileOpen = job.directory.file("wal-while-open")
        XCTAssertNoThrow(try FileManager.default.copyItem(atPath: database + "-wal", toPath: walWhileOpen))
        let workers = ChildProcesses.of(process.processIdentifier)
        XCTAssertEqual(workers.count, 2)
        var arguments = ""
        for pid in workers { arguments += (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "" }
        job.commons.clearFaults()
        try process.waitForExit()
        XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        XCTAssertTrue(((try? String(contentsOfFile: err, encoding: .utf8)) ?? "").contains("GET "), "-vv logged no requests")
        let tokens = job.commons.stats.accessTokens
        XCTAssertFalse(tokens.isEmpty, "the run asked for no access token")
        let secrets = tokens + [try apiKey(job)]
        for secret in secrets { XCTAssertFalse(arguments.contains(secret), "a secret is in a worker's arguments") }
        assertNoSecrets(secrets, in: [out, err, report, database, walWhileOpen])
    }

    /// An `accesstoken:///` value reaches the workers through their environment, never their
    /// arguments, and is written nowhere either.
    func testAnAccessTokenGivenOnTheCommandLineStaysOutOfWorkerArgumentsAndFiles() throws {
        let job = try JobFixture(objects: 3)
        let token = job.commons.makeAccessToken()
        // Hold the transfers so the worker processes can be inspected while they run.
        job.commons.setFault(.stall, guid: nil, times: .times(3))
        let out = job.directory.file("out")
        let err = job.directory.file("err")
        let report = job.directory.file("report.json")
        let process = try Gen3Process.start(
            [
                "-vv", "--endpoint", job.commons.endpoint, "--auth", "accesstoken:///" + token,
                "download-multiple-async", "--manifest", job.manifest, "--download-path", job.downloads,
                "--no-prompt", "--stall-timeout", "1", "--num-processes", "2", "--report", report,
            ],
            stdout: out, stderr: err)
        try job.commons.waitForRequests(route: .storage, count: 1)
        let workers = ChildProcesses.of(process.processIdentifier)
        XCTAssertFalse(workers.isEmpty)
        for pid in workers {
            let arguments = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            XCTAssertFalse(arguments.contains(token), "the token is in the arguments of process \(pid)")
        }
        try process.waitForExit()
        XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        XCTAssertEqual(job.commons.stats.tokensIssued, 0, "the given token is used, no other")
        assertNoSecrets([token], in: [out, err, report, job.downloads + "/.gen3/jobs.sqlite"])
    }

    func testATokenEchoedByTheServerIsScrubbedFromTheRecordedError() throws {
        let job = try JobFixture(objects: 1)
        job.commons.setFault(.echoAuthorization, guid: job.commons.objects[0].guid, times: .always)
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["--report", job.directory.file("report.json")])
        XCTAssertEqual(run.status, 1)
        let error = try job.sql("SELECT last_error FROM failures")
        XCTAssertEqual(error.count, 1)
        XCTAssertTrue(error[0].contains("Bearer [token]"), "\(error)")
        let report = try String(contentsOfFile: job.directory.file("report.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("Bearer [token]") && !report.contains("Bearer ey"), report)
    }
}
