import Logging
import XCTest

@testable import Gen3Kit

/// How much the bulk presigner holds ahead of the transfers: a count of small files, but only a
/// few large ones, which stay in the job table for any worker until they are about to start.
final class PresignAheadTests: XCTestCase {
    /// README: a worker holds files ahead "only up to 256 MiB of expected size".
    private static let lookaheadBytes: Int64 = 256 << 20

    private func presigner() -> PresignAhead {
        let endpoint = "http://127.0.0.1:9"
        return PresignAhead(
            enabled: true, maxConcurrentRequests: 16,
            requests: CommonsRequests(endpoint: endpoint, http: HTTPOptions(), protocolName: nil),
            tokens: AccessTokenProvider(endpoint: endpoint, credentials: Credentials(source: .accessToken("t"), origin: "test")),
            logger: Logger(label: "test"))
    }

    private func task(_ id: Int64, size: Int64?) -> FileTask {
        FileTask(
            file: ClaimedFile(
                id: id, guid: "dg.TEST/\(id)", fileName: nil, destName: "f\(id)", expectedSize: size,
                expectedMD5: nil, attempts: 0))
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
        guard case .request(let first) = ahead.dueRequest(freeSlots: 0) else {
            return XCTFail("nothing else is coming: ask for the one file")
        }
        ahead.add(task(2, size: 16 << 10))
        guard case .nothing = ahead.dueRequest(freeSlots: 0) else {
            return XCTFail("one small file waits for a batch while a request is out")
        }
        ahead.add(task(3, size: Self.lookaheadBytes))
        XCTAssertFalse(ahead.hasRoom(freeSlots: 0))
        guard case .request(let second) = ahead.dueRequest(freeSlots: 0) else { return XCTFail("the bytes are full: ask for what waits") }
        XCTAssertEqual(ahead.abandon(second).map(\.file.id), [2, 3])
        XCTAssertEqual(ahead.abandon(first).map(\.file.id), [1])
        XCTAssertEqual(ahead.heldBytes, 0)
        XCTAssertTrue(ahead.isEmpty)
    }
}
