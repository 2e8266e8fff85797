/// A second session on a job, opened on first use (on whichever thread uses it first) with a
/// page cache a run's connections keep small; a failed open is tried again at the next use.
/// Used by one thread at a time.
final class DeferredStore {
    let location: String
    private var opened: JobStore?

    init(location: String) { self.location = location }

    func store() throws -> JobStore {
        if let opened { return opened }
        let store = try JobStore(path: location, create: false)
        store.limitPageCache()
        opened = store
        return store
    }
}
