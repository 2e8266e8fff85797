import CSQLite
import Foundation
import XCTest

@testable import Gen3Kit

/// The completer commits outcomes in batches: one transaction for many outcomes, nothing before a
/// batch is due, and nothing lost at a batch's edge or in the last, partial batch `flush` commits.
final class JobCompleterTests: XCTestCase {
    /// Counts the transactions a connection commits, through SQLite's own commit hook: independent
    /// of what the completer says it did.
    private final class CommitCounter {
        private(set) var count = 0
        private let connection: Connection

        init(_ connection: Connection) {
            self.connection = connection
            // Unretained: the hook is removed in deinit, before the counter goes away.
            sqlite3_commit_hook(
                connection.handle,
                { context in
                    guard let context else { return 0 }
                    Unmanaged<CommitCounter>.fromOpaque(context).takeUnretainedValue().count += 1
                    return 0
                }, Unmanaged.passUnretained(self).toOpaque())
        }

        deinit { sqlite3_commit_hook(connection.handle, nil, nil) }
    }

    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("completer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// A job of `count` rows, all claimed by "w".
    private func claimedJob(_ count: Int) throws -> (JobStore, [ClaimedFile]) {
        let store = try JobStore(path: directory + "/job.sqlite")
        try store.importRows(
            (0..<count).map { "dg.T/\($0)\tfile-\($0).bin\t100" }, manifest: directory + "/manifest.tsv", downloadPath: directory + "/data")
        let claimed = try store.claimBatch(owner: "w", limit: count, leaseSeconds: 600)
        XCTAssertEqual(claimed.count, count)
        return (store, claimed)
    }

    /// Outcomes as another connection sees them: attempts recorded, per file.
    private func recordedAttempts(_ reader: JobStore) throws -> [Int64: Int] {
        var counts: [Int64: Int] = [:]
        try reader.sqlite!.prepare("SELECT file_id, count(*) FROM attempts GROUP BY file_id").forEachRow { row in
            counts[row.int64(0)] = row.int(1)
        }
        return counts
    }

    func testOutcomesAreCommittedInBatchesAndNoneIsLostAtTheEdges() throws {
        let (store, claimed) = try claimedJob(10)
        let reader = try JobStore(path: store.sqlite!.path, create: false)
        let log = DurabilityEventLog()
        // A batch is due only when full: no outcome is ever old enough.
        let completer = JobCompleter(
            store: store, owner: "w", directory: directory + "/data", maxBatch: 4, maxDelay: .infinity,
            durability: Durability { log.append($0) })
        let commits = CommitCounter(store.sqlite!)
        for (index, file) in claimed.enumerated() {
            // Both kinds of batched outcome: a failure, and a done file found in place.
            let outcome: AttemptRecord.Outcome = index % 2 == 0 ? .failed : .done(md5: "x")
            completer.add(AttemptRecord(fileID: file.id, outcome: outcome, startedAt: 0, error: "e"))
            try completer.flushIfDue()
            let full = (index + 1) / 4
            XCTAssertEqual(commits.count, full, "after \(index + 1) outcomes")
            XCTAssertEqual(try recordedAttempts(reader).count, full * 4, "after \(index + 1) outcomes")
            XCTAssertEqual(completer.isEmpty, (index + 1) % 4 == 0)
        }
        // The last two wait for a full batch that never comes, until the worker flushes.
        XCTAssertEqual(try reader.progress().count(.claimed), 2)
        try completer.flush()
        try completer.flush()
        XCTAssertEqual(commits.count, 3, "ten outcomes in batches of four")
        XCTAssertEqual(completer.commits, 3)
        XCTAssertEqual(completer.recorded, 10)
        let ids = claimed.map(\.id)
        XCTAssertEqual(try recordedAttempts(reader), Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }), "an outcome lost or doubled")
        XCTAssertEqual(try reader.progress().count(.failed), 5)
        XCTAssertEqual(try reader.progress().count(.done), 5)
        // Each batch holding a done file found in place syncs the directory before its commit.
        let data = directory + "/data"
        XCTAssertEqual(
            log.all,
            [
                .directorySynced(data), .committed(Array(ids[0..<4])), .directorySynced(data), .committed(Array(ids[4..<8])),
                .directorySynced(data), .committed(Array(ids[8..<10])),
            ])
    }

    /// A batch is also due once its oldest outcome has waited `maxDelay`: with none allowed, every
    /// `flushIfDue` commits what is there, however few.
    func testABatchIsDueOnceItsOldestOutcomeHasWaited() throws {
        let (store, claimed) = try claimedJob(3)
        let completer = JobCompleter(store: store, owner: "w", directory: directory + "/data", maxBatch: 256, maxDelay: 0)
        let commits = CommitCounter(store.sqlite!)
        try completer.flushIfDue()
        XCTAssertEqual(commits.count, 0, "an empty batch was committed")
        for file in claimed {
            completer.add(AttemptRecord(fileID: file.id, outcome: .released, startedAt: 0))
            try completer.flushIfDue()
        }
        XCTAssertEqual(commits.count, 3)
        XCTAssertEqual(try store.progress().count(.pending), 3)
    }

    /// A done file found in place is committed only after its directory is synced: a directory that
    /// cannot be synced leaves the batch uncommitted, the rows claimed for the next run.
    func testABatchWhoseDirectoryCannotBeSyncedIsNotCommitted() throws {
        let (store, files) = try claimedJob(2)
        let completer = JobCompleter(store: store, owner: "w", directory: directory + "/gone", maxBatch: 256, maxDelay: 0)
        for file in files { completer.add(AttemptRecord(fileID: file.id, outcome: .done(md5: "x"), startedAt: 0)) }
        XCTAssertThrowsError(try completer.flush())
        XCTAssertEqual(
            try store.sqlite!.prepare("SELECT state, count(*) FROM files GROUP BY state").rows { "\($0.string(0) ?? "") \($0.int(1))" },
            ["claimed 2"])
        XCTAssertEqual(try recordedAttempts(store), [:])
    }
}
