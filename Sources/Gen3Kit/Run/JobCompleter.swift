/// Batches outcomes into one transaction: a commit per batch, not per file. Each finished file was
/// synced before it got its name, and the name synced after (`DurableRenamer`); a done outcome that
/// did not pass through there (a verified file found in place) gets the directory synced before the
/// batch commits. A crash between rename and commit is healed by the next run, which finds the
/// verified file in place.
final class JobCompleter {
    let store: JobStore
    let owner: LeaseOwner
    let directory: String
    let maxBatch: Int
    let maxDelay: Double
    let durability: Durability
    private var pending: [AttemptRecord] = []
    private var oldest: Double = 0
    private var needsDirectorySync = false
    /// Transactions committed, for the benchmark's per-file figure.
    private(set) var commits = 0
    /// Outcomes recorded, for the same figure.
    private(set) var recorded = 0

    init(
        store: JobStore, owner: LeaseOwner, directory: String, maxBatch: Int = 256, maxDelay: Double = 0.25,
        durability: Durability = Durability()
    ) {
        self.durability = durability
        self.store = store
        self.owner = owner
        self.directory = directory
        self.maxBatch = maxBatch
        self.maxDelay = maxDelay
    }

    var isEmpty: Bool { pending.isEmpty }

    func add(_ record: AttemptRecord, directorySynced: Bool = false) {
        if pending.isEmpty { oldest = Clock.monotonic() }
        if case .done = record.outcome, !directorySynced { needsDirectorySync = true }
        pending.append(record)
    }

    /// Commits when the batch is full or its oldest outcome has waited long enough.
    func flushIfDue() throws {
        guard !pending.isEmpty, pending.count >= maxBatch || Clock.monotonic() - oldest >= maxDelay else { return }
        try flush()
    }

    func flush() throws {
        guard !pending.isEmpty else { return }
        // Without the sync the batch is not committed: its rows stay claimed for the next run.
        if needsDirectorySync { try durability.syncDirectory(directory) }
        try store.record(pending, owner: owner)
        durability.committed(pending.map(\.fileID))
        commits += 1
        recorded += pending.count
        pending.removeAll(keepingCapacity: true)
        needsDirectorySync = false
    }
}
