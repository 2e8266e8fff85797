#if canImport(Glibc)
    import Glibc
#endif

/// The job table behind one database file: named operations over `files`, `attempts` and
/// `job_settings`. Knows nothing of HTTP.
public final class JobStore {
    let connection: Connection
    private var statements: [String: Statement] = [:]

    /// Opens the job database at `path`, creating and migrating it as needed.
    public init(path: String, create: Bool = true) throws {
        if !create && !FilePaths.exists(path) { throw StoreError.noJob(path: path) }
        guard Connection.holdsJobOrNothing(path: path) else { throw StoreError.notAJobDatabase(path: path) }
        connection = try Connection(path: path, create: create)
        try Migrator().migrate(connection) { from, to in
            // A rebuild of a million-row table takes seconds: say why nothing seems to happen.
            let note = "gen3: upgrading the job database \(path) from schema \(from) to \(to), once (a large job takes a few seconds)\n"
            _ = note.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
    }

    /// Caps SQLite's page cache at `kibibytes` for this connection. A run's queries touch a few pages
    /// each, but the progress counts read every row: with the default 2 MiB cache per connection,
    /// memory would grow with the job up to that cap.
    package func limitPageCache(kibibytes: Int = 512) {
        try? connection.execute("PRAGMA cache_size = -\(kibibytes)")
    }

    /// A cached prepared statement for one of the named queries.
    func statement(_ sql: String) throws -> Statement {
        if let cached = statements[sql] { return cached }
        let prepared = try connection.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    // MARK: - Users' queries

    /// One statement a user typed (`gen3 sql`), refused when more follow it or, unless
    /// `allowWrites`, when it would change the database.
    package func userQuery(_ sql: String, allowWrites: Bool) throws -> Statement {
        let statement = try connection.prepare(sql)
        if connection.containsStatement(statement.tail) {
            throw StoreError.queryHasMoreStatements(rest: statement.tail.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if !allowWrites && !statement.isReadOnly { throw StoreError.queryWrites }
        return statement
    }

    /// Writes a consistent copy of the job to a new file at `path`.
    package func copy(to path: String) throws {
        try connection.prepare(FileQueries.copyInto).run(.text(path))
    }

    // MARK: - Settings

    /// The job's settings, or nil before its first import.
    public func settings() throws -> JobSettings? {
        try statement(FileQueries.selectSettings)
            .first { row in
                JobSettings(
                    endpoint: row.string(0), credentialsPath: row.string(1), downloadPath: row.string(2) ?? "",
                    filenameFormat: FilenameFormat(rawValue: row.string(3) ?? "") ?? .original,
                    protocolName: row.string(4), drsResolver: row.string(5))
            }
    }

    /// The settings, or a message saying to import a manifest first.
    public func requireSettings() throws -> JobSettings {
        guard let settings = try settings() else { throw StoreError.noJob(path: connection.path) }
        return settings
    }

    package func saveSettings(_ settings: JobSettings) throws {
        let now = Clock.now()
        try statement(FileQueries.saveSettings).run(
            SQLValue(settings.endpoint), SQLValue(settings.credentialsPath), .text(settings.downloadPath),
            .text(settings.filenameFormat.rawValue), SQLValue(settings.protocolName), .real(now), SQLValue(settings.drsResolver))
    }

    /// Whether the job has any file yet (false before its first import).
    func hasFiles() throws -> Bool {
        try statement(FileQueries.anyFile).first { _ in true } ?? false
    }

    // MARK: - Claims and leases

    /// Claims up to `limit` due rows for `owner` in one `BEGIN IMMEDIATE` transaction, first
    /// returning rows whose lease expired to pending. Rows stop once those taken expect `maxBytes`
    /// (at least one row is taken), so that a worker holds a few large files, not `limit` of them.
    package func claimBatch(
        owner: LeaseOwner, limit: Int, maxBytes: Int64 = .max, leaseSeconds: Double,
        now: Double = Clock.now()
    ) throws -> [ClaimedFile] {
        try connection.transaction(.immediate) {
            try statement(FileQueries.rescueExpired).run(.real(now))
            return try statement(FileQueries.claimBatch).rows(
                .text(owner.description), .real(now + leaseSeconds), .real(now), .integer(Int64(limit)), .integer(max(1, maxBytes))
            ) { row in
                ClaimedFile(
                    id: row.int64(0), guid: row.string(1) ?? "", fileName: row.string(2), destName: row.string(3),
                    expectedSize: row.optionalInt64(4), expectedMD5: row.string(5), attempts: row.int(6),
                    claimedBefore: row.int(7) != 0, commons: row.string(8))
            }
        }
    }

    /// How many rows one of `workers` workers should claim now: a fair share of what is due, at
    /// most `batchSize`, so a few large files spread over all workers instead of going to the first.
    package func fairClaimSize(batchSize: Int, workers: Int, now: Double = Clock.now()) throws -> Int {
        guard workers > 1 else { return batchSize }
        let due = try statement(FileQueries.countDue).first(.real(now), .integer(Int64(batchSize * workers))) { $0.int(0) } ?? 0
        return max(1, min(batchSize, (due + workers - 1) / workers))
    }

    /// Puts rows whose lease expired back to pending; returns how many.
    @discardableResult
    package func rescueExpired(now: Double = Clock.now()) throws -> Int {
        try statement(FileQueries.rescueExpired).run(.real(now))
    }

    /// The heartbeat: pushes back the lease of every row `owner` holds.
    package func extendLeases(owner: LeaseOwner, until: Double) throws {
        try statement(FileQueries.extendLeases).run(.text(owner.description), .real(until))
    }

    /// The owners of claimed rows.
    package func leaseOwners() throws -> [LeaseOwner] {
        try statement(FileQueries.leaseOwners).rows { LeaseOwner($0.string(0) ?? "") }
    }

    /// Hands every row `owner` holds back to pending without using up an attempt.
    @discardableResult
    package func releaseClaims(owner: LeaseOwner) throws -> Int {
        try statement(FileQueries.releaseOwner).run(.text(owner.description), .real(Clock.now()))
    }

    /// Records how far in-flight transfers have got, in one transaction.
    package func updateBytesDone(_ progress: [(fileID: Int64, bytes: Int64)]) throws {
        guard !progress.isEmpty else { return }
        try connection.transaction(.immediate) {
            for entry in progress { try statement(FileQueries.updateBytes).run(.integer(entry.fileID), .integer(entry.bytes)) }
        }
    }

    /// When the earliest pending row becomes due, or nil when nothing is pending.
    package func earliestPending() throws -> Double? {
        try statement(FileQueries.earliestPending).first { $0.optionalDouble(0) } ?? nil
    }

    /// Rows still pending or claimed.
    public func unfinishedCount() throws -> Int {
        try statement(FileQueries.countUnfinished).first { $0.int(0) } ?? 0
    }

    /// Records what indexd said of a file whose manifest entry lacked it.
    package func resolveMetadata(fileID: Int64, fileName: String?, destName: String, size: Int64?, md5: String?) throws {
        try statement(FileQueries.resolveMetadata).run(
            .integer(fileID), SQLValue(fileName), .text(destName),
            SQLValue(size), SQLValue(md5), .real(Clock.now()))
    }

    /// How many files a run would still download already have something at their destination in
    /// `directory` (one `lstat` each: for the plan shown before a run, not for the run itself).
    package func unfinishedPresent(in directory: String) throws -> Int {
        var present = 0
        try statement(FileQueries.unfinishedDestNames).forEachRow { row in
            if let name = row.string(0), FilePaths.entry(FilePaths.join(directory, name)) != .none { present += 1 }
        }
        return present
    }

    /// Gives a file another destination name; throws a unique violation when another row has it.
    package func setDestName(fileID: Int64, to destName: String) throws {
        try statement(FileQueries.setDestName).run(.integer(fileID), .text(destName), .real(Clock.now()))
    }

    /// The GUID of the row that already uses `destName`, if any.
    package func guid(usingDestName destName: String) throws -> String? {
        try statement(FileQueries.guidOfDestName).first(.text(destName)) { $0.string(0) } ?? nil
    }

    // MARK: - Completion

    /// Writes a batch of outcomes in one transaction: the row update and the attempt history.
    package func record(_ records: [AttemptRecord], owner: LeaseOwner) throws {
        guard !records.isEmpty else { return }
        try connection.transaction(.immediate) {
            for record in records {
                try apply(record, owner: owner)
            }
        }
    }

    private func apply(_ record: AttemptRecord, owner: LeaseOwner) throws {
        let id = SQLValue.integer(record.fileID)
        let status = SQLValue(record.httpStatus)
        switch record.outcome {
        case .done(let md5):
            try statement(FileQueries.completeDone).run(
                id, "done", 1, .text(md5), .integer(record.bytesOnDisk), status,
                .real(record.finishedAt))
        case .skipped:
            try statement(FileQueries.completeDone).run(
                id, "skipped", 0, nil, .integer(record.bytesOnDisk), status,
                .real(record.finishedAt))
        case .retry(let notBefore):
            try statement(FileQueries.completeRetry).run(
                id, .text(owner.description), .real(notBefore), SQLValue(record.error),
                status, .integer(record.bytesOnDisk), .real(record.finishedAt))
        case .failed:
            try statement(FileQueries.completeFailed).run(
                id, .text(owner.description), SQLValue(record.error), status,
                .integer(record.bytesOnDisk), .real(record.finishedAt))
        case .released:
            try statement(FileQueries.completeReleased).run(
                id, .text(owner.description), .integer(record.bytesOnDisk),
                SQLValue(record.error), .real(record.finishedAt))
        case .deferred(let until):
            try statement(FileQueries.completeDeferred).run(
                id, .text(owner.description), .integer(record.bytesOnDisk),
                SQLValue(record.error), .real(record.finishedAt), .real(until))
        }
        guard connection.changes > 0 else { return }
        try statement(FileQueries.insertAttempt).run(
            id, .text(owner.description), .real(record.startedAt), .real(record.finishedAt),
            .text(record.outcomeName.rawValue), status, SQLValue(record.error),
            .integer(record.bytesReceived))
    }

    // MARK: - Retry and reporting

    /// Puts every failed row back to pending with fresh attempts; returns how many.
    @discardableResult
    package func retryFailed() throws -> Int {
        try connection.transaction(.immediate) { try statement(FileQueries.retryFailed).run(.real(Clock.now())) }
    }

    /// Files, expected bytes and bytes on disk per state.
    public func progress() throws -> JobProgress {
        var progress = JobProgress()
        try statement(FileQueries.countsByState).forEachRow { row in
            guard let state = row.string(0).flatMap(JobState.init(rawValue:)) else { return }
            progress.files[state] = row.int(1)
            progress.expectedBytes[state] = row.int64(2)
            progress.bytesDone[state] = row.int64(3)
        }
        return progress
    }

    /// Failed files with their reasons, oldest first.
    public func failures(limit: Int = -1) throws -> [FailedFile] {
        try statement(FileQueries.failedFiles).rows(.integer(Int64(limit))) { row in
            FailedFile(
                guid: row.string(0) ?? "", error: row.string(1) ?? "", attempts: row.int(2),
                httpStatus: row.optionalInt64(3).map(Int.init))
        }
    }

    /// The GUIDs in one state, in import order.
    public func guids(in state: JobState) throws -> [String] {
        try statement(FileQueries.guidsInState).rows(.text(state.rawValue)) { $0.string(0) ?? "" }
    }

    /// Bytes per second that finished attempts received over the last `window` seconds.
    package func recentRate(window: Double = 60, now: Double = Clock.now()) throws -> Double {
        let bytes = try statement(FileQueries.bytesReceivedSince).first(.real(now - window)) { $0.int64(0) } ?? 0
        return Double(bytes) / window
    }

    /// How many files failed for each reason, the most common first.
    package func failureReasons(limit: Int = 20) throws -> [(reason: String, files: Int)] {
        try statement(FileQueries.failureReasons).rows(.integer(Int64(limit))) { ($0.string(0) ?? "", $0.int(1)) }
    }

    /// `guids(in:)` one at a time, for any number of rows.
    package func forEachGUID(in state: JobState, _ body: (String) throws -> Void) throws {
        try statement(FileQueries.guidsInState).forEachRow([.text(state.rawValue)]) { try body($0.string(0) ?? "") }
    }

    /// `failures()` one at a time, for any number of rows.
    package func forEachFailure(_ body: (FailedFile) throws -> Void) throws {
        try statement(FileQueries.failedFiles).forEachRow([.integer(-1)]) { row in
            try body(
                FailedFile(
                    guid: row.string(0) ?? "", error: row.string(1) ?? "", attempts: row.int(2),
                    httpStatus: row.optionalInt64(3).map(Int.init)))
        }
    }
}
