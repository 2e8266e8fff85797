import Foundation
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

    /// Two buckets on one file (two worker processes) let through the rate together, not each.
    func testBucketsSharingAFileShareTheRate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rate-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = RateLimiter(bytesPerSecond: 1000, sharedPath: path, now: 100)
        let second = RateLimiter(bytesPerSecond: 1000, sharedPath: path, now: 100)
        XCTAssertTrue(first.isShared && second.isShared)
        var taken = 0
        var now = 100.0
        while now < 110 {
            if first.take(32, now: now) { taken += 32 }
            if second.take(32, now: now) { taken += 32 }
            now += 0.001
        }
        XCTAssertLessThanOrEqual(taken, 10_000 + 100 + 64)
        XCTAssertGreaterThanOrEqual(taken, 10_000 - 64)
        // A clock that went back (a reboot) starts a full bucket instead of waiting for the old time.
        let afterReboot = RateLimiter(bytesPerSecond: 1000, sharedPath: path, now: 5)
        XCTAssertTrue(afterReboot.take(1, now: 5))
    }
}
