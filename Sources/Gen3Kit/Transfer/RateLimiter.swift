/// A token bucket shared by all transfers of one worker (`--limit-rate`): bytes may be taken while
/// the bucket is not empty, and may run it into debt by one chunk, which the next ones wait to
/// repay; so over any stretch longer than the bucket the transfers together get `bytesPerSecond`.
/// A transfer that finds the bucket empty pauses (libcurl keeps its bytes) until it refills.
package final class RateLimiter {
    let bytesPerSecond: Double
    /// The most the bucket holds: a tenth of a second's worth.
    private let capacity: Double
    private var tokens: Double
    private var last: Double

    init(bytesPerSecond: Int64, now: Double = Clock.monotonic()) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
        capacity = self.bytesPerSecond / 10
        tokens = capacity
        last = now
    }

    private func refill(now: Double) {
        tokens = min(capacity, tokens + (now - last) * bytesPerSecond)
        last = now
    }

    /// Takes `count` bytes if the bucket is not empty; false means wait.
    func take(_ count: Int, now: Double = Clock.monotonic()) -> Bool {
        refill(now: now)
        guard tokens > 0 else { return false }
        tokens -= Double(count)
        return true
    }

    /// Whether a paused transfer may go on now.
    func hasRoom(now: Double = Clock.monotonic()) -> Bool {
        refill(now: now)
        return tokens > 0
    }

    /// Seconds until the bucket has room again (0 when it has).
    func wait(now: Double = Clock.monotonic()) -> Double {
        refill(now: now)
        return tokens > 0 ? 0 : -tokens / bytesPerSecond + 0.001
    }
}
