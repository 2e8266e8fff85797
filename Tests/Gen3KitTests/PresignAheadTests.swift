import Logging
import XCTest

@testable import Gen3Kit

/// How much the bulk presigner holds ahead of the transfers: a count of small files, but only a
/// few large ones, which stay in the job table for any worker until they are about to start.
final class PresignAheadTests: XCTestCase {
    /// README: a worker holds files ahead "only up to 256 MiB of expected size".
    private static let lookaheadBytes: Int64 = 256 << 20

    private func presigner() -> PresignAhead {
        PresignAhead(enabled: true, maxConcurrentRequests: 16, logger: Logger(label: "test"))
    }

    private let session = TestSession.make()

    private func task(_ id: Int64, size: Int64?, session: CommonsSession? = nil) -> FileTask {
        FileTask(
            file: ClaimedFile(
                id: id, guid: "dg.TEST/\(id)", fileName: nil, destName: "f\(id)", expectedSize: size,
                expectedMD5: nil, attempts: 0),
            session: session ?? self.session)
    }

    func testSmallFilesFillTheLookaheadByCount() {
        let ahead = presigner()
        var added = 0
        while ahead.hasRoom(freeSlots: 0) && added < 10_000 {
            added += 1
            ahead.add(task(Int64(added), size: 16 << 10))
        }
        XCTAssertEqual(added, 128, "README: the next 32 files' URLs in one request, up to 4 requests out at once")
    }

    /// With more transfers than four of Fence's capped batches cover, the files held ahead are
    /// still four rounds of transfers: at 128 transfers, four requests of 64 are two.
    func testManyTransfersHoldFourRoundsAhead() {
        let ahead = PresignAhead(enabled: true, maxConcurrentRequests: 128, logger: Logger(label: "test"))
        var added = 0
        while ahead.hasRoom(freeSlots: 0) && added < 10_000 {
            added += 1
            ahead.add(task(Int64(added), size: 16 << 10))
        }
        XCTAssertEqual(added, 4 * 128)
    }

    /// Large files stop at the byte budget, except for the files the free transfer slots will
    /// take at once.
    func testLargeFilesStopAtTheByteBudget() {
        let size: Int64 = 100 << 20
        for freeSlots in [0, 16] {
            let ahead = presigner()
            var added: Int64 = 0
            while ahead.hasRoom(freeSlots: freeSlots) && added < 10_000 {
                added += 1
                ahead.add(task(added, size: size))
            }
            // Bytes held stay below the budget until the file that reaches it.
            XCTAssertEqual(added, max(Int64(freeSlots), (Self.lookaheadBytes + size - 1) / size))
            XCTAssertLessThan(Int(added), ahead.lookahead)
            XCTAssertEqual(ahead.heldBytes, added * size)
            // Handing everything back leaves room again.
            XCTAssertEqual(ahead.takeAll().tasks.count, Int(added))
            XCTAssertEqual(ahead.heldBytes, 0)
            XCTAssertTrue(ahead.hasRoom(freeSlots: 0))
        }
    }

    /// With the bytes full, fewer files than a batch are asked for while another request is out,
    /// rather than waiting for a batch that cannot come. (No request is run here.)
    func testAFullByteBudgetSendsWhatWaits() throws {
        let ahead = presigner()
        ahead.add(task(1, size: 16 << 10))
        guard case .request(let first) = ahead.dueRequest(freeSlots: 0, now: 0) else {
            return XCTFail("nothing else is coming: ask for the one file")
        }
        ahead.add(task(2, size: 16 << 10))
        guard case .nothing = ahead.dueRequest(freeSlots: 0, now: 0) else {
            return XCTFail("one small file waits for a batch while a request is out")
        }
        ahead.add(task(3, size: Self.lookaheadBytes))
        XCTAssertFalse(ahead.hasRoom(freeSlots: 0))
        guard case .request(let second) = ahead.dueRequest(freeSlots: 0, now: 0) else {
            return XCTFail("the bytes are full: ask for what waits")
        }
        XCTAssertEqual(ahead.abandon(second).map(\.file.id), [2, 3])
        XCTAssertEqual(ahead.abandon(first).map(\.file.id), [1])
        XCTAssertEqual(ahead.heldBytes, 0)
        XCTAssertTrue(ahead.isEmpty)
    }

    /// The last files of a job (the worker has claimed everything) are asked for while another
    /// request is out, without waiting for a batch that will not come.
    func testTheLastFilesDoNotWaitForABatch() throws {
        let ahead = presigner()
        ahead.add(task(1, size: 16 << 10))
        guard case .request(let first) = ahead.dueRequest(freeSlots: 0, now: 0) else { return XCTFail("nothing else is coming") }
        ahead.add(task(2, size: 16 << 10))
        guard case .nothing = ahead.dueRequest(freeSlots: 0, now: 0, moreComing: true) else {
            return XCTFail("more files may come: one waits for a batch while a request is out")
        }
        guard case .request(let second) = ahead.dueRequest(freeSlots: 0, now: 0, moreComing: false) else {
            return XCTFail("no more files are coming: ask for the one that waits")
        }
        XCTAssertEqual(ahead.abandon(second).map(\.file.id), [2])
        XCTAssertEqual(ahead.abandon(first).map(\.file.id), [1])
    }

    /// A request goes to one commons with its files only; a paused commons' files wait while
    /// another's are asked for.
    func testEachRequestAsksOneCommonsAndAPausedOneWaits() throws {
        let ahead = presigner()
        let other = TestSession.make(endpoint: "http://127.0.0.2:9")
        session.pauseUntil = 100
        ahead.add(task(1, size: 1, session: session))
        ahead.add(task(2, size: 1, session: other))
        ahead.add(task(3, size: 1, session: session))
        ahead.add(task(4, size: 1, session: other))
        guard case .request(let first) = ahead.dueRequest(freeSlots: 0, now: 50) else { return XCTFail("the other commons is not paused") }
        XCTAssertEqual(ahead.abandon(first).map(\.file.id), [2, 4])
        guard case .nothing = ahead.dueRequest(freeSlots: 0, now: 50) else { return XCTFail("the paused commons' files wait") }
        guard case .request(let second) = ahead.dueRequest(freeSlots: 0, now: 100) else { return XCTFail("the pause is over") }
        XCTAssertEqual(ahead.abandon(second).map(\.file.id), [1, 3])
        XCTAssertTrue(ahead.isEmpty)
    }

    /// A commons asked one file at a time gets as many requests out as there are transfers, at
    /// once and without waiting for a batch; the rest wait for one of them to finish.
    func testOneFileRequestsGoOutAheadUpToTheTransfers() throws {
        let ahead = presigner()
        let single = TestSession.make()
        single.bulkEnabled = false
        for id in 1...20 { ahead.add(task(Int64(id), size: 1, session: single)) }
        var requests: [CurlEasy] = []
        while case .request(let easy) = ahead.dueRequest(freeSlots: 16, now: 0) { requests.append(easy) }
        XCTAssertEqual(requests.count, ahead.maxSingles)
        XCTAssertEqual(ahead.maxSingles, 16)
        // One that did not answer a URL (no answer at all here) is the executor's to judge.
        guard case .judge(let judged) = ahead.finish(requests[0], code: 7) else { return XCTFail("no URL: the executor judges it") }
        XCTAssertEqual(judged.file.id, 1)
        XCTAssertEqual(judged.phase, .presign)
        guard case .request = ahead.dueRequest(freeSlots: 16, now: 0) else { return XCTFail("a request slot is free again") }
        XCTAssertEqual(ahead.takeAll().tasks.count, 19)
    }
}
