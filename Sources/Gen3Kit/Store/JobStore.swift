#if canImport(Glibc)
    import Glibc
#endif

/// The job table: named operations over `files`, `attempts` and `job_settings`, in a SQLite file
/// or a PostgreSQL database (`StoreDialect` holds each backend's SQL). Knows nothing of HTTP.
public final class JobStore {
    /// The connection every named operation runs on.
    let database: any SQLDatabase
    /// The backend's statements.
    let sql: StoreDialect
    /// The SQLite connection of a job in a file, for what only SQLite has (its import path,
    /// checkpoints, copies); nil for PostgreSQL.
    let sqlite: Connection?
    /// Where the job is, as given: a file path, or a PostgreSQL URL with whatever secrets it holds
    /// (for opening it again; `displayLocation` is for messages).
    package let location: String

    /// Opens the job at `path` — a SQLite file, or a `postgresql://` URL — creating (unless
    /// `create` is false) and migrating it as needed.
    public convenience init(path: String, create: Bool = true) throws {
        if JobLocation.isPostgres(path) {
            let connection = try PostgresConnection(url: path)
            try self.init(database: ReconnectingDatabase(connection), sql: .postgres, sqlite: nil, location: path)
            try openPostgres(connection, create: create)
            return
        }
        if !create && !FilePaths.exists(path) { throw StoreError.noJob(path: path) }
        guard try Connection.holdsJobOrNothing(path: path) else { throw StoreError.notAJobDatabase(path: path) }
        let connection = try Connection(path: path, create: create)
        try self.init(database: connection, sql: .sqlite, sqlite: connection, location: path)
        try Migrator(backend: .sqlite).migrate(connection) { from, to in Self.noteUpgrade(of: path, from: from, to: to) }
    }

    private init(database: any SQLDatabase, sql: StoreDialect, sqlite: Connection?, location: String) throws {
        self.database = database
        self.sql = sql
        self.sqlite = sqlite
        self.location = location
    }

    /// A rebuild of a million-row table takes seconds: says why nothing seems to happen.
    static func noteUpgrade(of location: String, from: Int, to: Int) {
        let note = "gen3: upgrading the job database \(location) from schema \(from) to \(to), once (a large job takes a few seconds)\n"
        _ = note.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    /// How far the database's clock is ahead of this machine's, in seconds: 0 for SQLite; for
    /// PostgreSQL measured at connection, so that every time the job holds is on the server's
    /// clock and workers on machines whose clocks disagree agree on leases and retry times.
    var clockOffset: Double = 0
    /// When `clockOffset` was measured, on this machine's monotonic clock.
    var clockMeasuredAt: Double = 0
    /// How long the server took to answer that measurement: about a round trip to it. nil for
    /// SQLite, or before any measurement.
    package var serverRoundTrip: Double?
    /// When a PostgreSQL claim last returned expired leases, on the same clock (`claimBatch`).
    var rescuedAt = -Double.infinity

    /// A time of this machine's clock as the database records it.
    func time(_ local: Double) -> SQLValue { .real(local + clockOffset) }

    /// A time the database holds, on this machine's clock.
    func localTime(_ stored: Double) -> Double { stored - clockOffset }

    /// The job's location for messages and logs: never a password.
    package var displayLocation: String { sqlite == nil ? PostgresConnection.redacted(location) : FilePaths.absolute(location) }

    /// A path that the processes of this job on this machine share, and only they: the SQLite
    /// file itself; for a job in PostgreSQL, a name in /tmp derived from where the job is.
    package var machineLocalPath: String {
        guard sqlite == nil else { return location }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in location.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "/tmp/gen3-job-\(String(hash, radix: 16))"
    }

    /// Caps SQLite's page cache at `kibibytes` for this connection. A run's queries touch a few pages
    /// each, seldom the same ones twice: with the default 2 MiB cache per connection, memory would
    /// grow with the job up to that cap, holding pages of files long done.
    package func limitPageCache(kibibytes: Int = 512) {
        try? sqlite?.execute("PRAGMA cache_size = -\(kibibytes)")
    }

    // MARK: - Users' queries

    /// Runs one statement a user typed (`gen3 sql`) and hands each row to `body`; refused when
    /// more statements follow it or, unless `allowWrites`, when it would change the database.
    package func userQuery(_ text: String, allowWrites: Bool, _ body: (any SQLRow) throws -> Void) throws {
        guard let sqlite else { return try postgresUserQuery(text, allowWrites: allowWrites, body) }
        let statement = try sqlite.prepare(text)
        if sqlite.containsStatement(statement.tail) {
            throw StoreError.queryHasMoreStatements(rest: statement.tail.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if !allowWrites && !statement.isReadOnly { throw StoreError.queryWrites }
        try statement.forEachRow { try body($0) }
    }

    /// Writes a consistent copy of the job to a new SQLite file at `path`.
    package func copy(to path: String) throws {
        guard let sqlite else { throw StoreError.needsSQLite(operation: "copying the job to a file") }
        try sqlite.prepare(FileQueries.copyInto).run(.text(path))
    }

    // MARK: - Settings

    /// The job's settings, or nil before its first import.
    public func settings() throws -> JobSettings? {
        try database.first(sql.files.selectSettings) { row in
            JobSettings(
                endpoint: row.string(0), credentialsPath: row.string(1), downloadPath: row.string(2) ?? "",
                filenameFormat: FilenameFormat(rawValue: row.string(3) ?? "") ?? .original,
                protocolName: row.string(4), drsResolver: row.string(5))
        }
    }

    /// The settings, or a message saying to import a manifest first.
    public func requireSettings() throws -> JobSettings {
        guard let settings = try settings() else { throw StoreError.noJob(path: displayLocation) }
        return settings
    }

    package func saveSettings(_ settings: JobSettings) throws {
        let now = Clock.now()
        try database.run(
            sql.files.saveSettings,
            SQLValue(settings.endpoint), SQLValue(settings.credentialsPath), .text(settings.downloadPath),
            .text(settings.filenameFormat.rawValue), SQLValue(settings.protocolName), time(now), SQLValue(settings.drsResolver))
    }

    /// Whether the job has any file yet (false before its first import).
    func hasFiles() throws -> Bool {
        try database.first(sql.files.anyFile) { _ in true } ?? false
    }

    // MARK: - Claims and leases

    /// Claims up to `limit` due rows for `owner`, first returning rows whose lease expired to
    /// pending. Rows stop once those taken expect `maxBytes` (at least one row is taken), so that a
    /// worker holds a few large files, not `limit` of them.
    ///
    /// SQLite does both in one `BEGIN IMMEDIATE` transaction. In PostgreSQL the claim is one
    /// statement, its own transaction, and the rescue runs before it at most every
    /// `rescueInterval`: each statement there is a round trip to a server process, and a worker
    /// waits for its claims.
    package func claimBatch(
        owner: LeaseOwner, limit: Int, maxBytes: Int64 = .max, leaseSeconds: Double,
        now: Double = Clock.now()
    ) throws -> [ClaimedFile] {
        let owned = [SQLValue.text(owner.description), time(now + leaseSeconds), time(now)]
        func claim(_ parameters: [SQLValue]) throws -> [ClaimedFile] {
            var claimed: [ClaimedFile] = []
            try database.forEachRow(sql.files.claimBatch, parameters) { row in
                claimed.append(
                    ClaimedFile(
                        id: row.int64(0), guid: row.string(1) ?? "", fileName: row.string(2), destName: row.string(3),
                        expectedSize: row.optionalInt64(4), expectedMD5: row.string(5), attempts: row.int(6),
                        claimedBefore: row.int(7) != 0, commons: row.string(8)))
            }
            return claimed
        }
        guard sqlite == nil else {
            return try database.transaction {
                try database.run(sql.files.rescueExpired, time(now))
                let rows = try dueWithin(bytes: maxBytes, limit: limit, now: now)
                return rows == 0 ? [] : try claim(owned + [.integer(Int64(rows))])
            }
        }
        try refreshClockOffset()
        if Clock.monotonic() - rescuedAt >= Self.rescueInterval {
            try database.run(sql.files.rescueExpired, time(now))
            rescuedAt = Clock.monotonic()
        }
        return try claim(owned + [.integer(Int64(limit)), .integer(max(1, maxBytes))])
    }

    /// How many of the first `limit` rows due a SQLite claim takes: it stops before the row at
    /// which the expected bytes of the rows before it reach `bytes` (the first row is always
    /// taken; an unknown size counts as nothing), as PostgreSQL's `claimBatch` does in SQL.
    private func dueWithin(bytes: Int64, limit: Int, now: Double) throws -> Int {
        let budget = max(1, bytes)
        var rows = 0
        var before: Int64 = 0
        try database.forEachRow(FileQueries.dueSizes, [time(now), .integer(Int64(limit))]) { row in
            guard before < budget else { return }
            rows += 1
            let (sum, overflow) = before.addingReportingOverflow(row.int64(0))
            before = overflow ? .max : sum
        }
        return rows
    }

    /// How many rows one of `workers` workers should claim now: a fair share of what is due, at
    /// most `batchSize`, so a few large files spread over all workers instead of going to the first.
    package func fairClaimSize(batchSize: Int, workers: Int, now: Double = Clock.now()) throws -> Int {
        guard workers > 1 else { return batchSize }
        let due = try database.first(sql.files.countDue, time(now), .integer(Int64(batchSize * workers))) { $0.int(0) } ?? 0
        return max(1, min(batchSize, (due + workers - 1) / workers))
    }

    /// Puts rows whose lease expired back to pending; returns how many.
    @discardableResult
    package func rescueExpired(now: Double = Clock.now()) throws -> Int {
        try database.run(sql.files.rescueExpired, time(now))
    }

    /// The heartbeat: pushes back the lease of every row `owner` holds.
    package func extendLeases(owner: LeaseOwner, until: Double) throws {
        try database.run(sql.files.extendLeases, .text(owner.description), time(until))
    }

    /// The owners of claimed rows.
    package func leaseOwners() throws -> [LeaseOwner] {
        try database.rows(sql.files.leaseOwners) { LeaseOwner($0.string(0) ?? "") }
    }

    /// Hands every row `owner` holds back to pending without using up an attempt.
    @discardableResult
    package func releaseClaims(owner: LeaseOwner) throws -> Int {
        try database.run(sql.files.releaseOwner, .text(owner.description), time(Clock.now()))
    }

    /// Whether any row is claimed in `owner`'s name.
    package func ownsClaims(owner: LeaseOwner) throws -> Bool {
        try database.first(sql.files.ownsClaims, .text(owner.description)) { $0.int(0) != 0 } ?? false
    }

    /// Records how far in-flight transfers have got, in one transaction (on PostgreSQL, one
    /// statement).
    package func updateBytesDone(_ progress: [(fileID: Int64, bytes: Int64)]) throws {
        guard !progress.isEmpty else { return }
        if let statement = sql.files.updateBytesBatch {
            _ = try database.run(
                statement, PostgresParameters.array(progress.map { String($0.fileID) }),
                PostgresParameters.array(progress.map { String($0.bytes) }))
            return
        }
        try database.transaction {
            // In file order, as `record` goes: two sessions that lock rows in one order cannot deadlock.
            for entry in progress.sorted(by: { $0.fileID < $1.fileID }) {
                try database.run(sql.files.updateBytes, .integer(entry.fileID), .integer(entry.bytes))
            }
        }
    }

    /// When the earliest pending row becomes due, or nil when nothing is pending.
    package func earliestPending() throws -> Double? {
        try database.first(sql.files.earliestPending) { $0.optionalDouble(0).map(localTime) } ?? nil
    }

    /// Rows still pending or claimed.
    public func unfinishedCount() throws -> Int {
        try database.first(sql.files.countUnfinished) { $0.int(0) } ?? 0
    }

    /// Records what indexd said of a file whose manifest entry lacked it.
    package func resolveMetadata(fileID: Int64, fileName: String?, destName: String, size: Int64?, md5: String?) throws {
        try database.run(
            sql.files.resolveMetadata,
            .integer(fileID), SQLValue(fileName), .text(destName),
            SQLValue(size), SQLValue(md5), time(Clock.now()))
    }

    /// How many files a run would still download already have something at their destination in
    /// `directory` (one `lstat` each: for the plan shown before a run, not for the run itself).
    package func unfinishedPresent(in directory: String) throws -> Int {
        var present = 0
        try database.forEachRow(sql.files.unfinishedDestNames, []) { row in
            if let name = row.string(0), FilePaths.entry(FilePaths.join(directory, name)) != .none { present += 1 }
        }
        return present
    }

    /// Gives a file another destination name; throws a unique violation when another row has it.
    package func setDestName(fileID: Int64, to destName: String) throws {
        try database.run(sql.files.setDestName, .integer(fileID), .text(destName), time(Clock.now()))
    }

    /// The GUID of the row that already uses `destName`, if any.
    package func guid(usingDestName destName: String) throws -> String? {
        try database.first(sql.files.guidOfDestName, .text(destName)) { $0.string(0) } ?? nil
    }

    // MARK: - Completion

    /// Writes a batch of outcomes in one transaction: the row update and the attempt history.
    package func record(_ records: [AttemptRecord], owner: LeaseOwner) throws {
        guard !records.isEmpty else { return }
        if let statement = sql.files.completeDoneBatch, let batch = DoneRecordBatch(records, owner: owner, clockOffset: clockOffset) {
            // One statement is a transaction of its own: a BEGIN and a COMMIT around it would be
            // two more round trips to the server, each time the renamer records a group.
            _ = try database.run(statement, batch.values)
            return
        }
        if sqlite != nil, let batch = DoneRowChunks(records, owner: owner, time: time) {
            try database.transaction {
                for chunk in batch.chunks {
                    _ = try database.run(FileQueries.insertDoneAttempts(rows: chunk.rows), chunk.attempts)
                    _ = try database.run(FileQueries.completeDoneRows(rows: chunk.rows), chunk.updates)
                }
            }
            return
        }
        try database.transaction {
            // In file order (and, for one file, as given): two sessions that lock rows in one order
            // cannot deadlock.
            let ordered = records.enumerated().sorted { ($0.element.fileID, $0.offset) < ($1.element.fileID, $1.offset) }
            for (_, record) in ordered {
                try apply(record, owner: owner)
            }
        }
    }

    private func apply(_ record: AttemptRecord, owner: LeaseOwner) throws {
        let id = SQLValue.integer(record.fileID)
        let status = SQLValue(record.httpStatus)
        let changed: Int
        switch record.outcome {
        case .done(let md5):
            changed = try database.run(
                sql.files.completeDone,
                id, "done", 1, .text(md5), .integer(record.bytesOnDisk), status,
                time(record.finishedAt))
        case .skipped:
            changed = try database.run(
                sql.files.completeDone,
                id, "skipped", 0, nil, .integer(record.bytesOnDisk), status,
                time(record.finishedAt))
        case .retry(let notBefore):
            changed = try database.run(
                sql.files.completeRetry,
                id, .text(owner.description), time(notBefore), SQLValue(record.error),
                status, .integer(record.bytesOnDisk), time(record.finishedAt))
        case .failed:
            changed = try database.run(
                sql.files.completeFailed,
                id, .text(owner.description), SQLValue(record.error), status,
                .integer(record.bytesOnDisk), time(record.finishedAt))
        case .released:
            changed = try database.run(
                sql.files.completeReleased,
                id, .text(owner.description), .integer(record.bytesOnDisk),
                SQLValue(record.error), time(record.finishedAt))
        case .deferred(let until):
            changed = try database.run(
                sql.files.completeDeferred,
                id, .text(owner.description), .integer(record.bytesOnDisk),
                SQLValue(record.error), time(record.finishedAt), time(until))
        }
        guard changed > 0 else { return }
        try database.run(
            sql.files.insertAttempt,
            id, .text(owner.description), time(record.startedAt), time(record.finishedAt),
            .text(record.outcomeName.rawValue), status, SQLValue(record.error),
            .integer(record.bytesReceived))
    }

    // MARK: - Retry and reporting

    /// Puts every failed row back to pending with fresh attempts; returns how many.
    @discardableResult
    package func retryFailed() throws -> Int {
        try database.transaction { try database.run(sql.files.retryFailed, time(Clock.now())) }
    }

    /// Files, expected bytes and bytes on disk per state.
    public func progress() throws -> JobProgress {
        var progress = JobProgress()
        try database.forEachRow(sql.files.countsByState, []) { row in
            guard let state = row.string(0).flatMap(JobState.init(rawValue:)) else { return }
            progress.files[state] = row.int(1)
            progress.expectedBytes[state] = row.int64(2)
            progress.bytesDone[state] = row.int64(3)
        }
        return progress
    }

    /// Failed files with their reasons, oldest first.
    public func failures(limit: Int = -1) throws -> [FailedFile] {
        try database.rows(sql.files.failedFiles, .integer(Int64(limit))) { row in
            FailedFile(
                guid: row.string(0) ?? "", error: row.string(1) ?? "", attempts: row.int(2),
                httpStatus: row.optionalInt64(3).map(Int.init))
        }
    }

    /// The GUIDs in one state, in import order.
    public func guids(in state: JobState) throws -> [String] {
        try database.rows(sql.files.guidsInState, .text(state.rawValue)) { $0.string(0) ?? "" }
    }

    /// Bytes per second that finished attempts received over the last `window` seconds.
    package func recentRate(window: Double = 60, now: Double = Clock.now()) throws -> Double {
        let bytes = try database.first(sql.files.bytesReceivedSince, time(now - window)) { $0.int64(0) } ?? 0
        return Double(bytes) / window
    }

    /// How many files failed for each reason, the most common first.
    package func failureReasons(limit: Int = 20) throws -> [(reason: String, files: Int)] {
        try database.rows(sql.files.failureReasons, .integer(Int64(limit))) { ($0.string(0) ?? "", $0.int(1)) }
    }

    /// `guids(in:)` one at a time, for any number of rows.
    package func forEachGUID(in state: JobState, _ body: (String) throws -> Void) throws {
        try database.forEachRow(sql.files.guidsInState, [.text(state.rawValue)]) { try body($0.string(0) ?? "") }
    }

    /// `failures()` one at a time, for any number of rows.
    package func forEachFailure(_ body: (FailedFile) throws -> Void) throws {
        try database.forEachRow(sql.files.failedFiles, [.integer(-1)]) { row in
            try body(
                FailedFile(
                    guid: row.string(0) ?? "", error: row.string(1) ?? "", attempts: row.int(2),
                    httpStatus: row.optionalInt64(3).map(Int.init)))
        }
    }
}
