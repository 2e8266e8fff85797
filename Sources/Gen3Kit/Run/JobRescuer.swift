/// Gives back rows held by workers that are gone. Expired leases are rescued at every claim; this
/// also frees, at once, rows whose owner was a process on this node that no longer exists (a
/// `kill -9` of an earlier run: gone, a zombie, or its pid now another process's), so a restart
/// does not wait out their leases.
enum JobRescuer {
    @discardableResult
    static func releaseDeadLocalOwners(_ store: JobStore) throws -> Int {
        var released = 0
        for owner in try store.leaseOwners() {
            if owner.isGoneFromThisNode {
                released += try store.releaseClaims(owner: owner)
            }
        }
        return released
    }
}
