#if canImport(Glibc)
import Glibc
#endif

/// Crash points for the crash tests, off unless a test sets the environment variable. The worker
/// SIGKILLs its whole process group (supervisor and all workers) at the chosen moment:
/// - `GEN3_TEST_KILL_AFTER_RENAMES=N`: right after its Nth rename, before the outcome is committed —
///   the window a crash-safe resume must cover;
/// - `GEN3_TEST_KILL_AFTER_BYTES=N`: once it has written N body bytes, mid-transfer.
enum TestHooks {
    private static let killAfterRenames = setting("GEN3_TEST_KILL_AFTER_RENAMES")
    private static let killAfterBytes = setting("GEN3_TEST_KILL_AFTER_BYTES")
    /// Seconds a bulk-fetched presigned URL may wait for a slot (`PresignAhead.maxURLAge`); a
    /// negative value makes every such URL too old, without a test having to wait.
    static let urlMaxAge = setting("GEN3_TEST_URL_MAX_AGE")
    private static var renames = 0
    private static var bytes = 0

    /// Whether a crash point is set. The supervisor then leads its own process group, so the kill
    /// takes the supervisor and its workers and nothing else (not the test runner).
    static var enabled: Bool { killAfterRenames != nil || killAfterBytes != nil }

    private static func setting(_ name: String) -> Int? {
        getenv(name).flatMap { Int(String(cString: $0)) }
    }

    static func afterRename() {
        guard let limit = killAfterRenames else { return }
        renames += 1
        if renames >= limit { kill(0, SIGKILL) }
    }

    static func afterWrite(_ count: Int) {
        guard let limit = killAfterBytes else { return }
        bytes += count
        if bytes >= limit { kill(0, SIGKILL) }
    }
}
