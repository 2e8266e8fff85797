#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock and monotonic time in seconds, without Foundation's overhead on hot paths.
public enum Clock {
    /// Unix time, as stored in the job table.
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Seconds since an arbitrary point; never jumps with the wall clock.
    public static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
