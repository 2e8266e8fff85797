import Foundation

/// Gives back rows held by workers that are gone. Expired leases are rescued at every claim; this
/// also frees, at once, rows whose owner was a process on this host that no longer exists (a
/// `kill -9` of an earlier run), so a restart does not wait out their leases.
enum JobRescuer {
    @discardableResult
    static func releaseDeadLocalOwners(_ store: JobStore) throws -> Int {
        var released = 0
        for owner in try store.leaseOwners() {
            if let pid = owner.localProcess, !isAlive(pid) {
                released += try store.releaseClaims(owner: owner)
            }
        }
        return released
    }

    /// Whether `pid` is a running process. A zombie is dead: after a `kill -9` of a whole run its
    /// workers are orphans, and an init that does not reap leaves them as zombies indefinitely.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state != "Z" && state != "X"
    }
}
