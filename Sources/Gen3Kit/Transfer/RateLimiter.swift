#if canImport(Glibc)
    import Glibc
#endif

/// A token bucket for `--limit-rate`: bytes may be taken while the bucket is not empty, and may run
/// it into debt by one chunk, which the next ones wait to repay; so over any stretch longer than
/// the bucket, everything that takes from it together gets `bytesPerSecond`. A transfer that finds
/// it empty pauses (libcurl keeps its bytes) until it refills.
///
/// One worker's transfers share one bucket in memory. Worker processes share one bucket in a small
/// file (`sharedPath`): its two numbers are read and written under an exclusive `flock`, and the
/// monotonic clock is the machine's, so every process's takes count against the same cap however
/// the files are spread over the workers.
package final class RateLimiter {
    let bytesPerSecond: Double
    /// The most the bucket holds: a tenth of a second's worth.
    private let capacity: Double
    private var tokens: Double
    private var last: Double
    /// The shared bucket's file, or -1 for a bucket in memory.
    private let fd: Int32

    /// A bucket in memory, or the one in the file at `sharedPath` (created when missing).
    package init(bytesPerSecond: Int64, sharedPath: String? = nil, now: Double = Clock.monotonic()) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
        capacity = self.bytesPerSecond / 10
        tokens = capacity
        last = now
        fd = sharedPath.map { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) } ?? -1
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Whether the bucket lives in the shared file (false when it could not be opened).
    package var isShared: Bool { fd >= 0 }

    /// Runs `body` on the current state (the file's, when shared), refilled up to `now`.
    private func update<T>(now: Double, _ body: (inout Double) -> T) -> T {
        guard fd >= 0 else {
            tokens = min(capacity, tokens + (now - last) * bytesPerSecond)
            last = now
            return body(&tokens)
        }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        var state: (Double, Double) = (capacity, now)
        let read = withUnsafeMutableBytes(of: &state) { pread(fd, $0.baseAddress, $0.count, 0) }
        // A new file, or one from before a reboot (the monotonic clock started again): a full bucket.
        if read != MemoryLayout<(Double, Double)>.size || state.1 > now { state = (capacity, now) }
        var shared = min(capacity, state.0 + max(0, now - state.1) * bytesPerSecond)
        let result = body(&shared)
        state = (shared, max(now, state.1))
        _ = withUnsafeBytes(of: &state) { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return result
    }

    /// Takes `count` bytes if the bucket is not empty; false means wait.
    package func take(_ count: Int, now: Double = Clock.monotonic()) -> Bool {
        update(now: now) { tokens in
            guard tokens > 0 else { return false }
            tokens -= Double(count)
            return true
        }
    }

    /// Whether a paused transfer may go on now.
    package func hasRoom(now: Double = Clock.monotonic()) -> Bool {
        update(now: now) { $0 > 0 }
    }

    /// Seconds until the bucket has room again (0 when it has).
    package func wait(now: Double = Clock.monotonic()) -> Double {
        update(now: now) { $0 > 0 ? 0 : -$0 / bytesPerSecond + 0.001 }
    }
}
