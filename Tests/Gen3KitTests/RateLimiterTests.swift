import XCTest

@testable import Gen3Kit

/// The rate bucket on a clock the test moves: what it lets through over a stretch is the rate
/// times the stretch, give or take one chunk and the bucket's tenth of a second.
final class RateLimiterTests: XCTestCase {
    func testOverAStretchItLetsThroughTheRateAndNoMore() {
        let limiter = RateLimiter(bytesPerSecond: 1000, now: 0)
        var taken = 0
        var now = 0.0
        // Chunks of 64 bytes offered every millisecond for ten seconds.
        while now < 10 {
            if limiter.take(64, now: now) { taken += 64 }
            now += 0.001
        }
        XCTAssertLessThanOrEqual(taken, 10_000 + 100 + 64)
        XCTAssertGreaterThanOrEqual(taken, 10_000 - 64)
    }

    func testADebtIsRepaidBeforeMoreIsTaken() {
        let limiter = RateLimiter(bytesPerSecond: 1000, now: 0)
        XCTAssertTrue(limiter.take(500, now: 0), "a chunk larger than the bucket still passes once")
        XCTAssertFalse(limiter.take(1, now: 0))
        XCTAssertEqual(limiter.wait(now: 0), 0.401, accuracy: 0.0001)
        XCTAssertFalse(limiter.hasRoom(now: 0.4))
        XCTAssertTrue(limiter.hasRoom(now: 0.41))
    }
}
