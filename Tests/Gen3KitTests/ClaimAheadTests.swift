import Foundation
import Logging
import TestSupport
import XCTest

@testable import Gen3Kit

/// Claims on a thread of their own: a claim's rows come back once it has run, on a session of its
/// own; a producer claims its next batch while it hands out the last, and whatever a claim took
/// that nobody received is still in the owner's name, for `releaseClaims` to give back.
final class ClaimAheadTests: XCTestCase {
    private struct Refused: Error {}

    /// Opens when told to: a claim that waits on it cannot have finished before then.
    private final class Gate: @unchecked Sendable {
        private let lock = ConditionLock()
        private var open = false

        func pass() { lock.locked { while !open { lock.wait() } } }

        func openUp() {
            lock.locked {
                open = true
                lock.broadcast()
            }
        }
    }

    /// A SQLite job of `count` pending rows.
    private func job(_ directory: TemporaryDirectory, _ count: Int) throws -> JobStore {
        let store = try JobStore(path: directory.file("job.sqlite"))
        try FileManager.default.createDirectory(atPath: directory.file("data"), withIntermediateDirectories: true)
        try store.importRows(
            (0..<count).map { "dg.T/\($0)\tfile-\($0).bin\t100" }, manifest: directory.file("manifest.tsv"),
            downloadPath: directory.file("data"))
        return store
    }

    /// A producer for "w", one of `workers`, claiming batches of 64.
    private func producer(_ store: JobStore, workers: Int = 1) -> Producer {
        var options = RunOptions()
        options.batchSize = 64
        options.workers = workers
        return Producer(store: store, owner: "w", options: options, logger: Logger(label: "test"))
    }

    private func claimed(_ store: JobStore, by owner: String) throws -> Int {
        try store.sqlite!.prepare("SELECT count(*) FROM files WHERE state = 'claimed' AND lease_owner = ?1")
            .first(.text(owner)) { $0.int(0) } ?? -1
    }

    func testAClaimRunsOnASessionOfItsOwnAndComesBackOnceItHasRun() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 10)
        let ahead = ClaimAhead(location: store.location)
        defer { ahead.close() }
        let gate = Gate()
        var session: ObjectIdentifier?
        ahead.start { claimStore in
            session = ObjectIdentifier(claimStore)
            gate.pass()
            return try claimStore.claimBatch(owner: "w", limit: 4, leaseSeconds: 600)
        }
        XCTAssertTrue(ahead.inFlight)
        XCTAssertNil(ahead.take(wait: false), "the claim waits at the gate: it cannot have finished")
        gate.openUp()
        let outcome = try XCTUnwrap(ahead.take(wait: true))
        XCTAssertEqual(try outcome.result.get().map(\.guid), ["dg.T/0", "dg.T/1", "dg.T/2", "dg.T/3"])
        XCTAssertFalse(ahead.inFlight)
        XCTAssertNil(ahead.take(wait: true), "nothing in flight: nothing to wait for")
        XCTAssertNotEqual(session, ObjectIdentifier(store))
        XCTAssertEqual(try claimed(store, by: "w"), 4)
    }

    func testAFailedClaimComesBackAsItsError() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 3)
        let ahead = ClaimAhead(location: store.location)
        defer { ahead.close() }
        ahead.start { _ in throw Refused() }
        let outcome = try XCTUnwrap(ahead.take(wait: true))
        XCTAssertThrowsError(try outcome.result.get()) { XCTAssertTrue($0 is Refused) }
        // The thread goes on to the next claim.
        ahead.start { try $0.claimBatch(owner: "w", limit: 2, leaseSeconds: 600) }
        XCTAssertEqual(try XCTUnwrap(ahead.take(wait: true)).result.get().count, 2)
    }

    func testCloseWaitsForTheClaimUnderWayWhoseRowsStayTheOwnersToRelease() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 10)
        let ahead = ClaimAhead(location: store.location)
        ahead.start { try $0.claimBatch(owner: "w", limit: 6, leaseSeconds: 600) }
        ahead.close()
        XCTAssertFalse(ahead.inFlight)
        XCTAssertEqual(try claimed(store, by: "w"), 6, "close returned before the claim it was given had committed")
        XCTAssertEqual(try store.releaseClaims(owner: "w"), 6)
        XCTAssertEqual(try claimed(store, by: "w"), 0)
    }

    func testAProducerClaimsItsNextBatchWhileItHandsOutTheLast() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 200)
        let producer = producer(store)
        let first = try XCTUnwrap(try producer.next(now: Clock.now()))
        XCTAssertEqual(first.guid, "dg.T/0")
        // Closing waits for the claim under way: the next batch was asked for with the first row.
        producer.close()
        XCTAssertEqual(try claimed(store, by: "w"), 128)
    }

    /// A producer claims its batch and one ahead, as many rows as the options say, on PostgreSQL as
    /// on SQLite (by default 256: on PostgreSQL each claim is a round trip).
    func testAProducerClaimsItsBatchSizeOnEitherBackend() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        let directory = TemporaryDirectory("claim-ahead")
        let postgres = try JobStore(path: database.url)
        try postgres.importRows(
            (0..<1000).map { "dg.T/\($0)\tfile-\($0).bin\t100" }, manifest: directory.file("manifest.tsv"),
            downloadPath: directory.file("data"))
        let sqlite = try job(directory, 1000)
        func claimedByOneProducer(_ store: JobStore, _ options: RunOptions, owner: LeaseOwner) throws -> Int {
            let producer = Producer(store: store, owner: owner, options: options, logger: Logger(label: "test"))
            XCTAssertNotNil(try producer.next(now: Clock.now()))
            // Closing waits for the claim under way: a whole first batch, and one ahead.
            producer.close()
            return try store.progress().count(.claimed)
        }
        XCTAssertEqual(RunOptions().batchSize, 256)
        XCTAssertEqual(try claimedByOneProducer(sqlite, RunOptions(), owner: "a"), 512)
        XCTAssertEqual(try claimedByOneProducer(postgres, RunOptions(), owner: "a"), 512)
        var chosen = RunOptions()
        chosen.batchSize = 100
        XCTAssertEqual(try claimedByOneProducer(sqlite, chosen, owner: "b") - 512, 200)
        XCTAssertEqual(try claimedByOneProducer(postgres, chosen, owner: "b") - 512, 200)
    }

    /// A loop with transfers to move does not wait for a claim: `next` without waiting returns
    /// nothing while the claim is under way (here held back by another session's write lock), and
    /// the claims' thread wakes the loop once it has run.
    func testWithoutWaitingAProducerGivesNothingUntilItsClaimHasRunThenWakesTheLoop() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 10)
        let writer = try Connection(path: store.location, create: false)
        try writer.execute("BEGIN IMMEDIATE")
        let woken = Gate()
        let producer = Producer(
            store: store, owner: "w", options: RunOptions(), logger: Logger(label: "test"), wake: { woken.openUp() })
        defer { producer.close() }
        XCTAssertNil(try producer.next(now: Clock.now(), wait: false))
        XCTAssertFalse(producer.isEmpty, "the claim is under way")
        try writer.execute("COMMIT")
        woken.pass()
        XCTAssertEqual(try producer.next(now: Clock.now(), wait: false)?.guid, "dg.T/0")
    }

    func testAProducerHeldToItsShareDoesNotClaimAhead() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 100)
        // One of two workers: its share of the 100 rows due is 50, less than a batch.
        let producer = producer(store, workers: 2)
        XCTAssertNotNil(try producer.next(now: Clock.now()))
        producer.close()
        XCTAssertEqual(try claimed(store, by: "w"), 50, "the other worker's share stays pending")
    }

    func testRowsDroppedWithAClaimUnderWayAreAllReleased() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 200)
        let producer = producer(store)
        defer { producer.close() }
        var handedOut: [String] = []
        for _ in 0..<70 { handedOut.append(try XCTUnwrap(try producer.next(now: Clock.now())).guid) }
        XCTAssertEqual(handedOut, (0..<70).map { "dg.T/\($0)" }, "in order, across batches, each once")
        producer.dropQueued()
        XCTAssertTrue(producer.isEmpty)
        // Three batches: the third was asked for as the second began to be handed out, and
        // dropping waited for it.
        XCTAssertEqual(try claimed(store, by: "w"), 192)
        XCTAssertEqual(try store.releaseClaims(owner: "w"), 192)
        XCTAssertEqual(try claimed(store, by: "w"), 0)
        XCTAssertEqual(try store.progress().files[.pending], 200)
    }

    func testAProducerHandsOutEveryRowOnceThenNothing() throws {
        let directory = TemporaryDirectory("claim-ahead")
        let store = try job(directory, 150)
        let producer = producer(store)
        defer { producer.close() }
        var handedOut: [String] = []
        while let file = try producer.next(now: Clock.now()) { handedOut.append(file.guid) }
        XCTAssertEqual(handedOut, (0..<150).map { "dg.T/\($0)" })
        XCTAssertTrue(producer.drained)
        XCTAssertTrue(producer.isEmpty)
        XCTAssertEqual(try claimed(store, by: "w"), 150)
    }

    /// On PostgreSQL the claims' session may connect as soon as the thread exists, so that its
    /// round trips to a distant server overlap the worker's own; by default it waits for the first
    /// claim. Each session names itself (application_name), so the server tells them apart.
    func testAClaimSessionOnPostgresConnectsAtOnceOnlyWhenAskedTo() throws {
        guard let database = try PostgresTestDatabase.make() else { throw XCTSkip(PostgresTestDatabase.skipReason) }
        _ = try JobStore(path: database.url)
        func location(_ name: String) -> String { database.url + (database.url.contains("?") ? "&" : "?") + "application_name=" + name }
        let eager = ClaimAhead(location: location("claims-eager"), connectNow: true)
        let lazy = ClaimAhead(location: location("claims-lazy"), connectNow: false)
        // Joins the eager thread, which opened its session before looking for a claim.
        eager.close()
        lazy.close()
        let observer = try database.connect()
        func sessions(_ name: String) throws -> Int64 {
            try observer.first("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", .text(name)) { $0.int64(0) } ?? -1
        }
        XCTAssertEqual(try sessions("claims-eager"), 1)
        XCTAssertEqual(try sessions("claims-lazy"), 0)
        withExtendedLifetime((eager, lazy)) {}
    }
}
