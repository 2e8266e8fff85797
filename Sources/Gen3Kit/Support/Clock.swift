#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock and monotonic time in seconds, without Foundation's overhead on hot paths.
package enum Clock {
    /// Unix time, as stored in the job table.
    package static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Seconds since an arbitrary point; never jumps with the wall clock.
    package static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Blocks this thread for `seconds` (a backoff wait, not synchronisation).
    package static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var request = left
        while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
    }
}
