import Digest
import Foundation
import Gen3TestCommons
import TestSupport
import XCTest

/// A manifest spanning several commons: each file's commons decided (the manifest's word, the job's
/// cache, the hub's aggregate MDS, the resolver's `_dist` and `/index`), fetched with that commons'
/// own token, and a commons that is down or refuses its key holding back only its own files.
final class FederationTests: XCTestCase {
    /// A federation, a home whose `.gen3/` holds every commons' key by host, the mixed manifest
    /// and a job: `gen3` runs as a user with keys for several commons would run it.
    private final class Cohort {
        let federation: TestFederation
        let directory = TemporaryDirectory("gen3-federation")
        var home: String { directory.file("home") }
        var manifest: String { directory.file("manifest.json") }
        let job: TestJobLocation
        var database: String { job.location }
        var downloads: String { directory.file("data") }
        var hubCredentials: String { home + "/.gen3/" + federation.hub.authority + ".json" }

        init(
            commons: Int = 2, objects: Int = 12, maxSize: Int = 32 * 1024,
            configure: (Int, inout TestCommonsConfiguration) -> Void = { _, _ in }
        ) throws {
            var configuration = TestFederationConfiguration()
            configuration.commonsCount = commons
            configuration.commons.objectCount = objects
            configuration.commons.minSize = 1024
            configuration.commons.maxSize = maxSize
            federation = try TestFederation.start(configuration, configure: configure)
            job = try TestJobLocation(sqlitePath: directory.file("job.sqlite"))
            try federation.writeCredentials(directory: home + "/.gen3")
            try federation.writeMixedManifest(to: manifest)
        }

        deinit {
            Gen3Process.stopStragglers()
            federation.stop()
            job.drop()
        }

        @discardableResult
        func gen3(_ arguments: [String], auth: [String]? = nil) throws -> ProcessResult {
            let auth = (auth ?? [hubCredentials]).flatMap { ["--auth", $0] }
            return try Gen3Process.run(
                ["--db", database, "--endpoint", federation.hub.endpoint] + auth + arguments, directory: directory.path,
                environment: ["HOME": home])
        }

        func importManifest(_ path: String? = nil) throws {
            // Every commons names its objects alike: later ones are saved as name_1.ext.
            let result = try gen3(["import-manifest", "--manifest", path ?? manifest, "--download-path", downloads, "--rename"])
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        }

        @discardableResult
        func run(_ extra: [String] = [], auth: [String]? = nil) throws -> ProcessResult {
            try gen3(
                [
                    "run", "--workers", "2", "--no-progress", "--retry-base-delay", "0.05", "--retry-max-delay", "0.2",
                    "--drs-resolver", federation.resolverEndpoint,
                ] + extra, auth: auth)
        }

        func sql(_ query: String) throws -> [String] {
            try gen3(["sql", "--no-header", query]).stdout.split(separator: "\n").map(String.init)
        }

        var rows: [MixedManifestRow] { federation.mixedManifestRows }

        /// The prefixes of the rows named by a prefixed id: `dg.TEST2/<uuid>`, or `drs://dg.TEST2:<uuid>`.
        var resolvedPrefixes: Set<Substring> {
            Set(
                rows.filter { $0.form == .compactID || $0.form == .compactDRSURI }.compactMap { row in
                    row.objectID.hasPrefix("drs://")
                        ? row.objectID.dropFirst(6).split(separator: ":").first : row.objectID.split(separator: "/").first
                })
        }

        /// Every row of commons `index` is on disk with the content that commons serves.
        func assertDownloaded(commons index: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
            let names = Dictionary(
                uniqueKeysWithValues: ((try? sql("SELECT guid, dest_name FROM files")) ?? []).map { line in
                    let parts = line.split(separator: "\t").map(String.init)
                    return (parts[0], parts.count > 1 ? parts[1] : "")
                })
            for row in rows where index == nil || row.commons == index {
                let data = FileManager.default.contents(atPath: downloads + "/" + (names[row.objectID] ?? "?"))
                XCTAssertEqual(data.map { MD5.hex(Array($0)) }, row.object.md5, "\(row.form) \(row.objectID)", file: file, line: line)
            }
        }
    }

    func testAMixedManifestDownloadsWithATokenPerCommonsAndTheCacheAnswersTheSecondRun() throws {
        let cohort = try Cohort(commons: 4, objects: 10)
        try cohort.importManifest()
        let run = try cohort.run()
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        cohort.assertDownloaded()
        XCTAssertEqual(try cohort.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["\(cohort.rows.count)"])
        XCTAssertEqual(cohort.federation.misdirectedAuthorizations, 0, "a token reached a host it was not issued for")
        for commons in cohort.federation.commons {
            XCTAssertGreaterThan(commons.stats.tokensIssued, 0, "\(commons.endpoint) gave no token")
            XCTAssertEqual(commons.stats.authorizationHeadersAtStorage, 0)
        }
        // Each file is recorded in its own commons; bare UUIDs, and the ids resolved to the job's
        // own endpoint, are the job's endpoint's (NULL).
        let recorded = Dictionary(
            uniqueKeysWithValues: try cohort.sql("SELECT guid, coalesce(commons, '-') FROM files").map { line in
                let parts = line.split(separator: "\t").map(String.init)
                return (parts[0], parts[1])
            })
        for row in cohort.rows {
            let resolvedToHub = row.commons == 0 && (row.form == .compactID || row.form == .compactDRSURI)
            let expected = row.form == .bareUUID || resolvedToHub ? "-" : "http://" + cohort.federation.commons[row.commons].authority
            XCTAssertEqual(recorded[row.objectID], expected, "\(row.form) \(row.objectID)")
        }
        // Every resolution step was taken, once per prefix: the MDS for dg.TEST1/2, _dist for
        // dg.TEST3, and the resolver's index for one id of dg.TEST4, whose answer stands for the
        // prefix (each of the two workers may ask it before the other's answer is in the cache).
        let cache = try cohort.sql("SELECT key, source FROM resolver_cache ORDER BY key")
        XCTAssertEqual(cache, ["dg.TEST1\tmds", "dg.TEST2\tmds", "dg.TEST3\tresolver_dist", "dg.TEST4\tresolver_index"])
        let indexOnly = cohort.rows.filter { $0.commons == 3 && ($0.form == .compactID || $0.form == .compactDRSURI) }
        XCTAssertGreaterThan(indexOnly.count, 2, "too few ids of dg.TEST4 to tell")
        XCTAssertLessThanOrEqual(cohort.federation.serviceStats.requests[.resolverIndex] ?? 0, 2, "the index was asked per id")

        // A second run of the same files asks no resolver: the job's cache answers.
        let asked = cohort.federation.serviceStats.requests
        let mds = cohort.federation.hub.stats.requests[.aggregateInfo] ?? 0
        let resolved = cohort.rows.filter { $0.form == .compactID || $0.form == .compactDRSURI }.map { "'\($0.objectID)'" }
        let reset = "UPDATE files SET state = 'pending', commons = NULL WHERE guid IN (\(resolved.joined(separator: ", ")))"
        XCTAssertEqual(try cohort.gen3(["sql", "--write", reset]).status, 0)
        let again = try cohort.run(["--skip-completed"])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertEqual(cohort.federation.serviceStats.requests, asked, "the resolver was asked again")
        XCTAssertEqual(cohort.federation.hub.stats.requests[.aggregateInfo] ?? 0, mds, "the MDS was asked again")
        XCTAssertEqual(try cohort.sql("SELECT count(*) FROM files WHERE state IN ('done', 'skipped')"), ["\(cohort.rows.count)"])
    }

    /// With the hub holding its token answers until its aggregate MDS is asked (or 10 s pass),
    /// `command` downloads the mixed manifest: the question must come first, and the one worker
    /// must take its answers instead of asking again (the MDS asked once per prefix).
    private func assertThePrefixesAreAskedDuringTheToken(
        _ command: (Cohort) throws -> ProcessResult, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        if TestJobLocation.usesPostgres {
            throw XCTSkip("SQLite's: in PostgreSQL, reading the first files would be a round trip before the first claim")
        }
        let cohort = try Cohort(commons: 3, objects: 6) { index, configuration in
            if index == 0 { configuration.holdTokensUntilMetadataAsked = 10 }
        }
        let run = try command(cohort)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr, file: file, line: line)
        cohort.assertDownloaded(file: file, line: line)
        let hub = cohort.federation.hub.stats
        XCTAssertEqual(hub.tokensReleasedByMetadata, 1, "the token came before the resolvers were asked", file: file, line: line)
        XCTAssertEqual(hub.tokensReleasedByTimeout, 0, file: file, line: line)
        let prefixes = cohort.resolvedPrefixes
        XCTAssertGreaterThan(prefixes.count, 1, file: file, line: line)
        XCTAssertEqual(hub.requests[.aggregateInfo] ?? 0, prefixes.count, "a prefix was asked twice", file: file, line: line)
        XCTAssertEqual(try cohort.sql("SELECT count(*) FROM resolver_cache"), ["\(prefixes.count)"], file: file, line: line)
    }

    /// `gen3 run` asks the resolvers for its first files' prefixes while it fetches its token.
    func testTheFirstFilesPrefixesAreAskedWhileTheTokenIsFetched() throws {
        try assertThePrefixesAreAskedDuringTheToken { cohort in
            try cohort.importManifest()
            return try cohort.gen3(["run", "--workers", "1", "--no-progress", "--drs-resolver", cohort.federation.resolverEndpoint])
        }
    }

    /// `download-multiple-async` asks them for the manifest's first prefixes while it checks the
    /// key, before the import.
    func testTheManifestsFirstPrefixesAreAskedWhileTheKeyIsChecked() throws {
        try assertThePrefixesAreAskedDuringTheToken { cohort in
            try cohort.gen3([
                "download-multiple-async", "--manifest", cohort.manifest, "--download-path", cohort.downloads, "--rename",
                "--no-prompt", "--no-progress", "--workers", "1", "--drs-resolver", cohort.federation.resolverEndpoint,
            ])
        }
    }

    func testStatusAndSQLShowFilesByCommons() throws {
        let cohort = try Cohort(commons: 2, objects: 4)
        try cohort.importManifest()
        XCTAssertEqual(try cohort.run().status, 0)
        let status = try cohort.gen3(["status"])
        XCTAssertTrue(status.stdout.contains("by commons"), status.stdout)
        for commons in cohort.federation.commons {
            XCTAssertTrue(status.stdout.contains("http://" + commons.authority), status.stdout)
        }
        let view = try cohort.sql("SELECT commons, state, files FROM commons ORDER BY commons")
        XCTAssertEqual(view.count, 2, view.joined(separator: "\n"))
        let json = try cohort.gen3(["status", "--json"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
        let byCommons = try XCTUnwrap(object["files_by_commons"] as? [String: [String: Int]], json.stdout)
        XCTAssertEqual(Set(byCommons.keys), Set(cohort.federation.commons.map { "http://" + $0.authority }), json.stdout)
        XCTAssertEqual(byCommons.values.map { $0["done"] ?? 0 }.reduce(0, +), cohort.rows.count, json.stdout)
    }

    func testACommonsThatIsDownHoldsBackOnlyItsOwnFiles() throws {
        let cohort = try Cohort(commons: 2, objects: 24, maxSize: 8 * 1024)
        try cohort.importManifest()
        // The second commons answers its first requests 503 with Retry-After: 1, then recovers.
        let down = cohort.federation.commons[1]
        for route in [Route.bulkDownload, .download] { down.setFault(.status(503, at: route, retryAfter: 1), times: .times(2)) }
        // Two files at a time, claimed two by two in manifest order (the commons alternate), more
        // than the worker holds ahead: the hub's later files are claimed while the other commons'
        // pause is on.
        let run = try cohort.run(["--workers", "1", "--batch-size", "2", "--max-concurrent-requests", "2"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        cohort.assertDownloaded()
        let hub = "coalesce(files.commons, 'hub') IN ('hub', 'http://\(cohort.federation.hub.authority)')"
        let waits = try cohort.sql(
            """
            SELECT CASE WHEN \(hub) THEN 'hub' ELSE 'other' END, count(*) FROM attempts JOIN files ON files.id = attempts.file_id
            WHERE attempts.outcome = 'released' AND attempts.error LIKE 'waiting until%' GROUP BY 1 ORDER BY 1
            """)
        // Only the second commons' files waited for its pause; the hub's never did.
        XCTAssertEqual(waits.count, 1, waits.joined(separator: "\n"))
        XCTAssertTrue(waits.first?.hasPrefix("other\t") ?? false, waits.joined(separator: "\n"))
        XCTAssertEqual(try cohort.sql("SELECT count(*), max(attempts) FROM files WHERE \(hub)"), ["24\t1"])
        XCTAssertEqual(cohort.federation.misdirectedAuthorizations, 0)
    }

    func testRefusedCredentialsForOneCommonsFailOnlyItsFiles() throws {
        let cohort = try Cohort(commons: 2, objects: 6)
        // The second commons' file holds the hub's key, which it refuses.
        let other = cohort.home + "/.gen3/" + cohort.federation.commons[1].authority + ".json"
        try FileManager.default.removeItem(atPath: other)
        try FileManager.default.copyItem(atPath: cohort.hubCredentials, toPath: other)
        try cohort.importManifest()
        let run = try cohort.run()
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        cohort.assertDownloaded(commons: 0)
        let reasons = try cohort.sql("SELECT DISTINCT last_error FROM files WHERE state = 'failed'")
        XCTAssertEqual(reasons.count, 1, reasons.joined(separator: "\n"))
        XCTAssertTrue(reasons.first?.contains("rejected the API key") ?? false, reasons.joined())
        XCTAssertEqual(
            try cohort.sql("SELECT count(*) FROM files WHERE state = 'failed'"), ["\(cohort.rows.filter { $0.commons == 1 }.count)"])
        XCTAssertEqual(cohort.federation.misdirectedAuthorizations, 0)
    }

    func testAFileOfAnUnknownPrefixFailsSayingWhatWasTried() throws {
        let cohort = try Cohort(commons: 2, objects: 2)
        let unknown = "dg.NOPE/00000000-0000-4000-8000-000000000000"
        let manifest = cohort.directory.file("unknown.tsv")
        try "guid\tfile_name\tsize\n\(unknown)\tlost.bin\t10\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        try cohort.importManifest(manifest)
        let run = try cohort.run()
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let reason = try cohort.sql("SELECT last_error FROM failures").joined()
        for step in ["no resolver knows dg.NOPE", "/mds/aggregate/info/dg.NOPE", "/index/_dist", "/index/\(unknown)", "404"] {
            XCTAssertTrue(reason.contains(step), "\(step) missing from: \(reason)")
        }
    }

    func testTokensFromTheWorkspaceTokenService() throws {
        let cohort = try Cohort(commons: 2, objects: 6)
        // No key files at all: the WTS gives each commons' tokens.
        try FileManager.default.removeItem(atPath: cohort.home + "/.gen3")
        let wts = ["--auth", "idp://wts/\(cohort.federation.identityProviders[0])"]
        let imported = try cohort.gen3(
            ["import-manifest", "--manifest", cohort.manifest, "--download-path", cohort.downloads, "--rename"], auth: [])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let run = try cohort.gen3(
            [
                "run", "--no-progress", "--drs-resolver", cohort.federation.resolverEndpoint, "--wts-url",
                cohort.federation.wtsEndpoint + "/wts",
            ] + wts,
            auth: [])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        cohort.assertDownloaded()
        XCTAssertGreaterThanOrEqual(cohort.federation.serviceStats.requests[.wtsToken] ?? 0, 2)
        XCTAssertEqual(cohort.federation.misdirectedAuthorizations, 0)
    }

    func testACommonsWithoutFencesDownloadRouteServesThroughDRSAccess() throws {
        let cohort = try Cohort(commons: 2, objects: 8) { index, commons in
            if index == 1 { commons.fenceDownloadRoute = false }
        }
        try cohort.importManifest()
        let run = try cohort.run()
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        cohort.assertDownloaded()
        let other = cohort.federation.commons[1].stats
        XCTAssertEqual(other.requests[.drsAccess] ?? 0, cohort.rows.filter { $0.commons == 1 }.count)
        XCTAssertEqual(cohort.federation.misdirectedAuthorizations, 0)
    }

    func testKillNineInATwoCommonsJobResumesExactly() throws {
        let cohort = try Cohort(commons: 2, objects: 8, maxSize: 3 << 20)
        try cohort.importManifest()
        let total = cohort.rows.reduce(0) { $0 + Int($1.object.size) }
        let process = try Gen3Process.start(
            [
                "--db", cohort.database, "--endpoint", cohort.federation.hub.endpoint, "--auth", cohort.hubCredentials, "run",
                "--no-progress", "--workers", "1", "--drs-resolver", cohort.federation.resolverEndpoint,
            ], directory: cohort.directory.path, environment: ["HOME": cohort.home], stdout: cohort.directory.file("run.out"),
            stderr: cohort.directory.file("run.err"))
        // Killed once both commons have served a part of the bytes.
        for commons in cohort.federation.commons {
            try commons.waitForStats(timeout: 60, "some bytes served") { $0.totalBytesServed > 64 * 1024 }
        }
        kill(-process.processIdentifier, SIGKILL)
        kill(process.processIdentifier, SIGKILL)
        try process.waitForExit()
        let rerun = try cohort.run()
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        cohort.assertDownloaded()
        XCTAssertEqual(try cohort.sql("SELECT count(*) FROM files WHERE state = 'done'"), ["\(cohort.rows.count)"])
        let served = cohort.federation.commons.reduce(0) { $0 + $1.stats.totalBytesServed }
        XCTAssertLessThan(served, 2 * total, "the rerun fetched everything again")
        XCTAssertEqual(TemporaryDirectory.listing(cohort.downloads).filter { $0.hasSuffix(".part") }, [])
    }

    /// The commons' metadata service names it by another name (an alias, or the client reaches it
    /// through a proxy): no credentials are found for that name, so the files are asked of the job's
    /// endpoint, with the job's key, and download; no token goes to the other name.
    func testAPrefixResolvedToAHostWithoutCredentialsIsAskedOfTheEndpoint() throws {
        let job = try JobFixture(objects: 6)
        let port = job.commons.authority.split(separator: ":").last.map(String.init) ?? ""
        job.commons.setAggregateHosts(["dg.TEST": "localhost:\(port)"])
        XCTAssertEqual(try job.importManifest().status, 0)
        let run = try job.run(["-v", "--drs-resolver", "none"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("no credentials for http://localhost:\(port)"), run.stderr)
        for object in job.commons.objects { XCTAssertEqual(job.md5(ofDownloaded: object.fileName), object.md5) }
        XCTAssertEqual(job.commons.stats.authorizationHeadersAtStorage, 0)
    }
}
