import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// The counts by commons and state that `file_counts` keeps (migration 7) equal a recount of
/// `files` after every kind of change the store, a run or a user makes, in SQLite and in
/// PostgreSQL, where claimers and recorders in several threads at once append and fold them.
final class FileCountsTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var databases: [PostgresTestDatabase] = []

    override func setUp() { directory = TemporaryDirectory("file-counts") }

    override func tearDown() {
        for database in databases { database.drop() }
        databases = []
    }

    private func sqliteStore(_ name: String = "job.sqlite") throws -> JobStore { try JobStore(path: directory.file(name)) }

    /// A job in a new PostgreSQL database, and its URL for more connections.
    private func postgresStore() throws -> (store: JobStore, url: String) {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        databases.append(database)
        return (try JobStore(path: database.url), database.url)
    }

    // MARK: - Checking

    private func texts(_ store: JobStore, _ sql: String) throws -> [String] {
        try store.database.rows(sql) { row in (0..<row.columnCount).map { row.string($0) ?? "NULL" }.joined(separator: " ") }
    }

    /// The counts, the view, `progress()` and `unfinishedCount()` all agree with a recount.
    private func assertExact(_ store: JobStore, _ when: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let recount = try texts(store, FileCountsCheck.recount)
        XCTAssertEqual(try texts(store, FileCountsCheck.counts), recount, "file_counts after \(when)", file: file, line: line)
        let byState = try texts(store, FileCountsCheck.progressRecount)
        XCTAssertEqual(try texts(store, FileCountsCheck.progress), byState, "the progress view after \(when)", file: file, line: line)
        var expected = JobProgress()
        try store.database.forEachRow(FileCountsCheck.progressRecount, []) { row in
            guard let state = row.string(0).flatMap(JobState.init(rawValue:)) else { return XCTFail("state \(row.string(0) ?? "NULL")") }
            expected.files[state] = row.int(1)
            expected.expectedBytes[state] = row.int64(2)
            expected.bytesDone[state] = row.int64(3)
        }
        XCTAssertEqual(try store.progress(), expected, "progress() after \(when)", file: file, line: line)
        XCTAssertEqual(
            try store.unfinishedCount(), expected.count(.pending) + expected.count(.claimed), "unfinishedCount() after \(when)",
            file: file, line: line)
    }

    // MARK: - Manifests

    /// A manifest's entry: GUID, file name, size or nil, commons_url or nil.
    private typealias Entry = (guid: String, name: String, size: Int?, commons: String?)

    /// A TSV manifest of `rows`.
    private func manifest(_ name: String, _ rows: [Entry]) throws -> String {
        let path = directory.file(name)
        let lines = rows.map { "\($0.guid)\t\($0.name)\t\($0.size.map(String.init) ?? "")\t\($0.commons ?? "")" }
        try (["guid\tfile_name\tsize\tcommons_url"] + lines).joined(separator: "\n").appending("\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @discardableResult
    private func importManifest(_ store: JobStore, _ path: String, rename: Bool = false) throws -> ImportSummary {
        try ManifestImporter(store: store).importManifest(
            path: path, options: ImportOptions(downloadPath: directory.file("data"), rename: rename))
    }

    /// 150 files over three commons (none, two named), a tenth of unknown size, more than two of
    /// SQLite's 64-row batches.
    private func firstManifest() throws -> String {
        let rows: [Entry] = (0..<150).map { i in
            let guid = i % 7 == 0 ? "drs://other.example.org/f\(i)" : "dg.T/f\(i)"
            return (guid, "f\(i).bin", i % 10 == 3 ? nil : 1000 + i, i % 5 == 1 ? "https://second.example.org" : nil)
        }
        return try manifest("first.tsv", rows)
    }

    // MARK: - Every change

    func testEveryChangeKeepsTheCountsExactInSQLite() throws {
        try everyChange(try sqliteStore())
    }

    func testEveryChangeKeepsTheCountsExactInPostgreSQL() throws {
        try everyChange(try postgresStore().store)
    }

    private func everyChange(_ store: JobStore) throws {
        XCTAssertEqual(try importManifest(store, try firstManifest()).added, 150)
        try assertExact(store, "the first import")
        XCTAssertEqual(try importManifest(store, try firstManifest()).added, 0)
        try assertExact(store, "the same import again")
        // Half known, half new; new names taken by files of the first import (a drs:// GUID of
        // the first is a dg.T/ GUID here, with the same name) and by another new file: renamed.
        var secondRows: [Entry] = (100..<200).map { ("dg.T/f\($0)", "f\($0).bin", $0 % 4 == 0 ? nil : 2000 + $0, nil) }
        secondRows.append(("dg.T/clash1", "f3.bin", 7, nil))
        secondRows.append(("dg.T/clash2", "f150.bin", nil, "https://second.example.org"))
        let second = try manifest("second.tsv", secondRows)
        let summary = try importManifest(store, second, rename: true)
        XCTAssertEqual(summary.added, 59)
        XCTAssertEqual(summary.renamed, 9)
        try assertExact(store, "an import with known GUIDs and renamed clashes")

        let now = Clock.now()
        let a = try store.claimBatch(owner: "a", limit: 40, leaseSeconds: 60, now: now)
        let b = try store.claimBatch(owner: "b", limit: 30, leaseSeconds: 60, now: now)
        XCTAssertEqual(a.count + b.count, 70)
        try assertExact(store, "claims")
        try store.updateBytesDone(a.prefix(20).map { ($0.id, 17) })
        try assertExact(store, "progress of transfers")

        func record(_ file: ClaimedFile, _ outcome: AttemptRecord.Outcome, bytes: Int64) -> AttemptRecord {
            AttemptRecord(
                fileID: file.id, outcome: outcome, startedAt: now, httpStatus: 200, error: "e", bytesReceived: bytes, bytesOnDisk: bytes)
        }
        let outcomes: [AttemptRecord.Outcome] = [
            .done(md5: "m"), .skipped, .retry(notBefore: now - 1), .failed, .released, .deferred(until: now + 3600),
        ]
        try store.record(a.enumerated().map { record($1, outcomes[$0 % outcomes.count], bytes: Int64($0 * 11)) }, owner: "a")
        try assertExact(store, "every kind of outcome")
        try store.record(b.prefix(5).map { record($0, .done(md5: "m"), bytes: 99) }, owner: "a")
        try assertExact(store, "outcomes of a worker that holds no lease on them")

        for file in b.prefix(3) {
            try store.resolveMetadata(fileID: file.id, fileName: "r\(file.id)", destName: "r\(file.id).bin", size: nil, md5: nil)
        }
        for file in b.dropFirst(3).prefix(3) {
            try store.resolveMetadata(fileID: file.id, fileName: "s\(file.id)", destName: "s\(file.id).bin", size: 123_456, md5: "m")
        }
        try assertExact(store, "indexd's sizes")
        try store.setCommons(b.suffix(4).map { ($0.id, "https://third.example.org") })
        try assertExact(store, "commons decided by workers")

        // (A done file counts as done whoever reports it: five of b's are.)
        XCTAssertEqual(try store.rescueExpired(now: now + 61), b.count - 5)
        try assertExact(store, "a rescue of expired leases")
        let c = try store.claimBatch(owner: "c", limit: 25, leaseSeconds: 60)
        XCTAssertEqual(try store.releaseClaims(owner: "c"), c.count)
        try assertExact(store, "claims released by a dead worker's supervisor")
        XCTAssertGreaterThan(try store.retryFailed(), 0)
        try assertExact(store, "gen3 retry")

        // A user's own statements (gen3 sql --write).
        let user = [
            "UPDATE files SET state = 'done', bytes_done = coalesce(expected_size, 5) WHERE state = 'pending' AND id % 3 = 0",
            "UPDATE files SET expected_size = expected_size * 2 WHERE id % 4 = 1",
            "UPDATE files SET commons = NULL WHERE commons = 'https://second.example.org' AND id % 2 = 0",
            "DELETE FROM files WHERE id % 5 = 2 AND id NOT IN (SELECT file_id FROM attempts)",
            "INSERT INTO files (guid, dest_name, expected_size, state, bytes_done, import_id, created_at, updated_at) "
                + "VALUES ('dg.T/user', 'user.bin', 10, 'failed', 3, 1, 0, 0)",
        ]
        for statement in user {
            try store.userQuery(statement, allowWrites: true) { _ in }
            try assertExact(store, statement)
        }
        if store.sqlite != nil {
            // REPLACE deletes the row it replaces: counted only with recursive triggers on.
            let replace = """
                INSERT OR REPLACE INTO files (id, guid, dest_name, expected_size, import_id, created_at, updated_at)
                SELECT id, guid, dest_name, 1, import_id, 0, 0 FROM files WHERE guid = 'dg.T/user'
                """
            try store.userQuery(replace, allowWrites: true) { _ in }
            try assertExact(store, "INSERT OR REPLACE")
        }
    }

    /// The first import into an empty job appends without the counting trigger and counts itself;
    /// one that meets a repeated GUID rolls that back and goes another way (SQLite: row by row,
    /// trigger and all; PostgreSQL: through the temporary table, its new rows counted at once).
    /// Either way a later import is counted by the trigger again.
    func testAnEmptyJobsImportCountsWhatItAppendedEitherWayInSQLite() throws {
        try emptyJobImports { try sqliteStore($0 + ".sqlite") }
    }

    func testAnEmptyJobsImportCountsWhatItAppendedEitherWayInPostgreSQL() throws {
        try emptyJobImports { _ in try postgresStore().store }
    }

    private func emptyJobImports(_ newStore: (String) throws -> JobStore) throws {
        let later = try manifest("later.tsv", [("dg.T/later", "later.bin", 5, nil), ("dg.T/later2", "later2.bin", nil, "https://x.org")])
        let appended = try newStore("appended")
        try importManifest(appended, try firstManifest())
        try assertExact(appended, "an empty job's import")
        try importManifest(appended, later)
        try assertExact(appended, "a later import, counted by the trigger")

        let repeated = try newStore("repeated")
        let rows: [Entry] = (0..<100).map { i in
            ("dg.T/r\(i % 90)", "r\(i % 90).bin", i % 9 == 0 ? nil : i, i % 2 == 0 ? "https://x.org" : nil)
        }
        let summary = try importManifest(repeated, try manifest("repeated.tsv", rows))
        XCTAssertEqual(summary.added, 90)
        XCTAssertEqual(summary.duplicates, 10)
        try assertExact(repeated, "an empty job's import that met a repeated GUID")
        try importManifest(repeated, later)
        try assertExact(repeated, "a later import after that one")
    }

    // MARK: - Drift

    /// A seeded mix of everything the store does, checked against a recount every few steps: a
    /// change that the counts miss or count twice fails here, whichever it is.
    func testAMixedWorkloadDoesNotDriftInSQLite() throws {
        try mixedWorkload(try sqliteStore(), seed: 0x636f_756e_7473)
    }

    func testAMixedWorkloadDoesNotDriftInPostgreSQL() throws {
        try mixedWorkload(try postgresStore().store, seed: 0x636f_756e_7473)
    }

    private func mixedWorkload(_ store: JobStore, seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        try importManifest(store, try firstManifest())
        var now = Clock.now()
        var held: [String: [ClaimedFile]] = [:]
        for step in 0..<400 {
            now += 1
            let owner = ["a", "b", "c"].randomElement(using: &random) ?? "a"
            switch Int.random(in: 0..<10, using: &random) {
            case 0...2:
                let leaseSeconds = Double(Int.random(in: 2...30, using: &random))
                let limit = Int.random(in: 1...12, using: &random)
                held[owner, default: []] += try store.claimBatch(
                    owner: LeaseOwner(owner), limit: limit, leaseSeconds: leaseSeconds, now: now)
            case 3...5:
                let files = held[owner] ?? []
                let taken = files.prefix(Int.random(in: 0...files.count, using: &random))
                held[owner] = Array(files.dropFirst(taken.count))
                let outcomes: [AttemptRecord.Outcome] = [
                    .done(md5: "m"), .skipped, .retry(notBefore: now + 2), .failed, .released, .deferred(until: now + 5),
                ]
                try store.record(
                    taken.map { file in
                        let bytes = Int64.random(in: 0...3000, using: &random)
                        return AttemptRecord(
                            fileID: file.id, outcome: outcomes.randomElement(using: &random) ?? .failed, startedAt: now, finishedAt: now,
                            bytesReceived: bytes, bytesOnDisk: bytes)
                    }, owner: LeaseOwner(owner))
            case 6:
                try store.updateBytesDone((held[owner] ?? []).map { ($0.id, Int64.random(in: 0...5000, using: &random)) })
            case 7:
                try store.rescueExpired(now: now)
            case 8:
                if let file = (held.values.flatMap { $0 }).randomElement(using: &random) {
                    let size = Bool.random(using: &random) ? nil : Int64.random(in: 1...9000, using: &random)
                    try store.resolveMetadata(fileID: file.id, fileName: nil, destName: "m\(file.id)", size: size, md5: nil)
                }
            default:
                if Int.random(in: 0..<4, using: &random) == 0 { try store.retryFailed() }
                let n = step
                try importManifest(store, try manifest("step\(n).tsv", [("dg.T/s\(n)", "s\(n).bin", n % 3 == 0 ? nil : n, nil)]))
            }
            if step % 20 == 19 { try assertExact(store, "step \(step)") }
        }
        try assertExact(store, "the workload")
    }

    // MARK: - Concurrency

    /// Claimers and recorders on their own connections, all at once, with folds of the counts'
    /// rows among them: the sums stay exact, and folding keeps the table small.
    func testConcurrentClaimersAndRecordersInPostgreSQL() throws {
        let (store, url) = try postgresStore()
        try concurrentWorkers(store, location: url)
        let rows = try store.database.first("SELECT count(*) FROM file_counts") { $0.int(0) } ?? 0
        XCTAssertLessThan(rows, 1000, "folds keep the counts to a few rows per statement since the last one")
    }

    func testConcurrentClaimersAndRecordersInSQLite() throws {
        let store = try sqliteStore()
        try concurrentWorkers(store, location: store.location)
    }

    private func concurrentWorkers(_ store: JobStore, location: String) throws {
        let manifestRows: [Entry] = (0..<2000).map { i in
            ("dg.T/c\(i)", "c\(i).bin", i % 13 == 0 ? nil : i, i % 3 == 0 ? "https://x.org" : nil)
        }
        try importManifest(store, try manifest("many.tsv", manifestRows))
        let failures = Failures()
        let threads = (0..<4).map { worker in
            JoinableThread {
                do {
                    let own = try JobStore(path: location)
                    var random = SeededGenerator(state: UInt64(worker + 1))
                    let owner = LeaseOwner("w\(worker)")
                    while try own.unfinishedCount() > 0 {
                        let claimed = try own.claimBatch(owner: owner, limit: Int.random(in: 1...16, using: &random), leaseSeconds: 60)
                        try own.updateBytesDone(claimed.map { ($0.id, 7) })
                        let now = Clock.now()
                        try own.record(
                            claimed.map { file in
                                let outcome: AttemptRecord.Outcome =
                                    [.done(md5: "m"), .done(md5: "m"), .skipped, .failed, .retry(notBefore: now)].randomElement(
                                        using: &random) ?? .failed
                                return AttemptRecord(fileID: file.id, outcome: outcome, startedAt: now, bytesReceived: 9, bytesOnDisk: 9)
                            }, owner: owner)
                    }
                } catch {
                    failures.add("worker \(worker): \(error)")
                }
            }
        }
        // A fifth thread folds as often as it can (PostgreSQL), while the others append.
        let folder = JoinableThread {
            guard store.sqlite == nil else { return }
            do {
                let own = try JobStore(path: location)
                for _ in 0..<200 { _ = try own.database.first("SELECT file_counts_fold()") { _ in true } }
            } catch {
                failures.add("folder: \(error)")
            }
        }
        for thread in threads { thread.join() }
        folder.join()
        XCTAssertEqual(failures.all, [])
        try assertExact(store, "four workers at once")
        XCTAssertEqual(try store.unfinishedCount(), 0)
    }

    private final class Failures: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }
}
