import Foundation
import XCTest

@testable import Gen3Kit

final class JobStoreTests: XCTestCase {
    var directory: String!
    var store: JobStore!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try JobStore(path: directory + "/job.sqlite")
        try store.importRows(
            (1...10).map { "dg.T/\($0)\tf\($0).bin\t\($0 * 10)" }, manifest: directory + "/m.tsv", downloadPath: directory + "/data")
    }

    override func tearDownWithError() throws {
        store = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A file that is not a job database (not SQLite, or another program's SQLite) is refused
    /// with a plain message and left byte for byte as it was.
    func testAFileThatIsNotAJobDatabaseIsRefusedAndUnchanged() throws {
        let text = directory + "/notes.txt"
        try "not a database at all\n".write(toFile: text, atomically: true, encoding: .utf8)
        let other = directory + "/other.sqlite"
        let connection = try Connection(path: other)
        try connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
        try connection.execute("PRAGMA journal_mode = DELETE")
        let otherBytes = try Data(contentsOf: URL(fileURLWithPath: other))
        for path in [text, other] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try JobStore(path: path)) { error in
                XCTAssertEqual(error.localizedDescription.components(separatedBy: " (").first, "not a gen3 job database: \(path)")
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, path)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: other)), otherBytes)
        XCTAssertNoThrow(try JobStore(path: directory + "/job.sqlite"), "a job database opens")
    }

    /// A job that cannot be opened for want of a file descriptor says so, not that it is someone
    /// else's file.
    func testAJobThatCannotBeOpenedNowSaysWhyAndIsNotCalledAnotherFile() throws {
        let path = directory + "/job.sqlite"
        store = nil
        var saved = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)
        // The listing counts its own descriptor, closed by the time the limit is set: none is left.
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count - 1
        var lowered = saved
        lowered.rlim_cur = rlim_t(open)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered), 0)
        var message = ""
        do {
            _ = try JobStore(path: path, create: false)
        } catch {
            message = "\(error)"
        }
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)
        XCTAssertFalse(message.isEmpty, "the job opened with no descriptor left")
        XCTAssertFalse(message.contains("not a gen3 job database"), message)
        XCTAssertTrue(message.contains(String(cString: strerror(EMFILE))), message)
        XCTAssertNoThrow(try JobStore(path: path, create: false), "the job opens once descriptors are free")
    }

    func testClaimsAreDisjointAcrossOwners() throws {
        let a = try store.claimBatch(owner: "a", limit: 4, leaseSeconds: 60)
        let b = try store.claimBatch(owner: "b", limit: 10, leaseSeconds: 60)
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(b.count, 6)
        XCTAssertTrue(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)))
        XCTAssertEqual(try store.claimBatch(owner: "c", limit: 10, leaseSeconds: 60).count, 0)
    }

    func testExpiredLeasesAreRescuedAndReleasedClaimsKeepTheirAttempts() throws {
        let now = Clock.now()
        XCTAssertEqual(try store.claimBatch(owner: "a", limit: 3, leaseSeconds: 10, now: now).count, 3)
        XCTAssertEqual(try store.rescueExpired(now: now + 5), 0)
        XCTAssertEqual(try store.rescueExpired(now: now + 11), 3)
        let again = try store.claimBatch(owner: "b", limit: 10, leaseSeconds: 10, now: now + 12)
        XCTAssertEqual(again.count, 10)
        XCTAssertEqual(try store.releaseClaims(owner: "b"), 10)
        XCTAssertEqual(try store.progress().count(.pending), 10)
        XCTAssertEqual(try store.claimBatch(owner: "c", limit: 1, leaseSeconds: 10).first?.attempts, 0)
    }

    func testOutcomesAreRecordedWithHistoryAndBackoff() throws {
        let claimed = try store.claimBatch(owner: "w", limit: 3, leaseSeconds: 60)
        let now = Clock.now()
        try store.record(
            [
                AttemptRecord(fileID: claimed[0].id, outcome: .done(md5: "abc"), startedAt: now, bytesOnDisk: 10),
                AttemptRecord(
                    fileID: claimed[1].id, outcome: .retry(notBefore: now + 3600), startedAt: now, httpStatus: 503, error: "busy"),
                AttemptRecord(fileID: claimed[2].id, outcome: .failed, startedAt: now, httpStatus: 404, error: "gone"),
            ], owner: "w")
        let progress = try store.progress()
        XCTAssertEqual(progress.count(.done), 1)
        XCTAssertEqual(progress.count(.failed), 1)
        XCTAssertEqual(progress.count(.pending), 8)
        XCTAssertEqual(try store.failures().map(\.error), ["gone"])
        // The retried row is not due for an hour: claims skip it.
        let rest = try store.claimBatch(owner: "w", limit: 100, leaseSeconds: 60)
        XCTAssertEqual(rest.count, 7)
        XCTAssertFalse(rest.contains { $0.id == claimed[1].id })
        let history = try store.sqlite!.prepare("SELECT count(*) FROM attempts").first { $0.int(0) }
        XCTAssertEqual(history, 3)
        XCTAssertEqual(try store.retryFailed(), 1)
    }

    func testAnOutcomeFromAWorkerThatLostItsLeaseIsIgnored() throws {
        let claimed = try store.claimBatch(owner: "old", limit: 1, leaseSeconds: 1, now: Clock.now() - 10)
        XCTAssertEqual(try store.claimBatch(owner: "new", limit: 1, leaseSeconds: 60).first?.id, claimed[0].id)
        try store.record([AttemptRecord(fileID: claimed[0].id, outcome: .failed, startedAt: Clock.now(), error: "late")], owner: "old")
        XCTAssertEqual(try store.progress().count(.failed), 0)
        XCTAssertEqual(try store.progress().count(.claimed), 1)
    }

    func testClaimUsesThePartialIndex() throws {
        let plan = try store.sqlite!.prepare("EXPLAIN QUERY PLAN " + FileQueries.claimBatch)
            .rows(.text("o"), .real(0), .real(0), .integer(1)) { $0.string(3) ?? "" }
        XCTAssertTrue(plan.contains { $0.contains("files_pending") }, plan.joined(separator: "; "))
        let sizes = try store.sqlite!.prepare("EXPLAIN QUERY PLAN " + FileQueries.dueSizes)
            .rows(.real(0), .integer(1)) { $0.string(3) ?? "" }
        XCTAssertTrue(sizes.contains { $0.contains("files_pending") }, sizes.joined(separator: "; "))
    }

    /// What `gen3 status` reads is a few rows however large the job: the counts, and the first
    /// failures and the last minute's attempts by index, never a scan of files or attempts.
    func testStatusReadsNoTableWhole() throws {
        let queries: [(String, [SQLValue])] = [
            (FileQueries.countsByState, []), (CommonsQueries.countsByCommons, []), (FileQueries.countUnfinished, []),
            (FileQueries.failedFiles, [.integer(20)]), (FileQueries.failureReasons, [.integer(20)]),
            (FileQueries.bytesReceivedSince, [.real(0)]),
        ]
        for (query, values) in queries {
            var plan: [String] = []
            try store.sqlite!.prepare("EXPLAIN QUERY PLAN " + query).forEachRow(values) { plan.append($0.string(3) ?? "") }
            XCTAssertFalse(plan.isEmpty, query)
            for step in plan where step.hasPrefix("SCAN files") || step.hasPrefix("SCAN attempts") {
                XCTAssertTrue(step.contains(" USING "), "\(query): \(plan)")
            }
        }
    }
}

extension JobStoreTests {
    func testClaimsShareFewFilesAcrossWorkers() throws {
        XCTAssertEqual(try store.fairClaimSize(batchSize: 64, workers: 2), 5)
        XCTAssertEqual(try store.fairClaimSize(batchSize: 64, workers: 4), 3)
        XCTAssertEqual(try store.fairClaimSize(batchSize: 2, workers: 2), 2)
        XCTAssertEqual(try store.fairClaimSize(batchSize: 64, workers: 1), 64)
        _ = try store.claimBatch(owner: "a", limit: 10, leaseSeconds: 60)
        XCTAssertEqual(try store.fairClaimSize(batchSize: 64, workers: 2), 1)
    }
}

extension JobStoreTests {
    /// A resolver's cached answer stands while it is no older than the age asked for, and is
    /// asked again after.
    func testACachedResolverAnswerStandsUntilItsAge() throws {
        try store.saveResolverCacheEntry(key: "dg.TEST", commons: "https://a.example", source: "mds", now: 1000)
        XCTAssertEqual(try store.resolverCacheEntry(key: "dg.TEST", maxAge: 60, now: 1060)?.commons, "https://a.example")
        XCTAssertNil(try store.resolverCacheEntry(key: "dg.TEST", maxAge: 60, now: 1061))
        XCTAssertNil(try store.resolverCacheEntry(key: "dg.OTHER", maxAge: 60, now: 1000))
    }

    /// Rows (10, 20, … 100 bytes, claimed in that order) stop before the one at which the bytes
    /// before it reach the budget; the first is taken whatever its size, and a row of unknown
    /// size counts as nothing.
    func testClaimsStopAtTheirByteBudget() throws {
        XCTAssertEqual(try store.claimBatch(owner: "a", limit: 10, maxBytes: 25, leaseSeconds: 60).map(\.expectedSize), [10, 20])
        XCTAssertEqual(try store.claimBatch(owner: "a", limit: 10, maxBytes: 0, leaseSeconds: 60).map(\.expectedSize), [30])
        XCTAssertEqual(try store.claimBatch(owner: "a", limit: 2, maxBytes: 1000, leaseSeconds: 60).map(\.expectedSize), [40, 50])
        try store.sqlite!.execute("UPDATE files SET expected_size = NULL WHERE expected_size IN (60, 70)")
        XCTAssertEqual(try store.claimBatch(owner: "a", limit: 10, maxBytes: 1, leaseSeconds: 60).map(\.expectedSize), [nil, nil, 80])
        XCTAssertEqual(try store.claimBatch(owner: "b", limit: 10, leaseSeconds: 60).map(\.expectedSize), [90, 100])
    }

    /// A ranged file's rows are replaced whole, raised in one transaction (never created by a
    /// raise), kept while the file is retried, and gone once it is done.
    func testRangesAreReplacedRaisedAndGoneOnceTheFileIsDone() throws {
        let claimed = try store.claimBatch(owner: "w", limit: 2, leaseSeconds: 60)
        let (a, b) = (claimed[0].id, claimed[1].id)
        try store.replaceRanges(fileID: a, [FileRange(start: 0, end: 10, done: 10), FileRange(start: 10, end: 20)])
        try store.replaceRanges(fileID: a, [FileRange(start: 0, end: 5), FileRange(start: 5, end: 20)])
        try store.replaceRanges(fileID: b, [FileRange(start: 0, end: 30)])
        try store.saveRangeProgress([
            (a, FileRange(start: 5, end: 20, done: 7)), (b, FileRange(start: 0, end: 30, done: 30)),
            (b, FileRange(start: 30, end: 40, done: 1)),
        ])
        XCTAssertEqual(try store.ranges(fileID: a), [FileRange(start: 0, end: 5), FileRange(start: 5, end: 20, done: 7)])
        XCTAssertEqual(try store.ranges(fileID: b), [FileRange(start: 0, end: 30, done: 30)])
        try store.record(
            [
                AttemptRecord(fileID: a, outcome: .retry(notBefore: 0), startedAt: Clock.now(), bytesOnDisk: 7),
                AttemptRecord(fileID: b, outcome: .done(md5: "x"), startedAt: Clock.now(), bytesOnDisk: 30),
            ], owner: "w")
        XCTAssertEqual(try store.ranges(fileID: a).count, 2, "a file to retry keeps its ranges")
        XCTAssertEqual(try store.ranges(fileID: b), [], "a done file's ranges are gone")
        try store.deleteRanges(fileID: a)
        XCTAssertEqual(try store.ranges(fileID: a), [])
    }
}
