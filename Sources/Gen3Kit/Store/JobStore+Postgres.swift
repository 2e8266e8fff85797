/// What opening a job in PostgreSQL takes beyond a SQLite file's: telling a gen3 job from someone
/// else's database, and the server's clock.
extension JobStore {
    /// Seconds between measurements of the server's clock: clocks drift by far less than a lease
    /// in that time.
    static let clockCheckInterval: Double = 60
    /// Seconds between the returns of expired leases before a claim: a lease lasts far longer, and
    /// a worker with nothing to claim asks again within this.
    static let rescueInterval: Double = 1

    static let databaseHoldsTables = """
        SELECT to_regclass('schema_migrations') IS NOT NULL,
               EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema())
        """

    /// Refuses a database that holds tables other than a gen3 job's (it is left as it is), and
    /// without `create` one with no job; then migrates and reads the server's clock.
    func openPostgres(_ connection: PostgresConnection, create: Bool) throws {
        let (isJob, hasTables) = try connection.first(Self.databaseHoldsTables) { ($0.int64(0) != 0, $0.int64(1) != 0) } ?? (false, false)
        if hasTables && !isJob { throw StoreError.notAJobDatabase(path: displayLocation) }
        if !isJob && !create { throw StoreError.noJob(path: displayLocation) }
        try Migrator(backend: .postgres).migrate(connection, tableExists: isJob) { [displayLocation] from, to in
            Self.noteUpgrade(of: displayLocation, from: from, to: to)
        }
        try refreshClockOffset(force: true)
    }

    /// Measures how far the server's clock is ahead of this machine's when the last measurement
    /// is older than `clockCheckInterval` (or `force`). The round trip's midpoint is taken as the
    /// moment the server read its clock: off by at most half a round trip.
    func refreshClockOffset(force: Bool = false) throws {
        guard sqlite == nil, force || Clock.monotonic() - clockMeasuredAt >= Self.clockCheckInterval else { return }
        let before = Clock.now()
        guard let server = try database.first("SELECT extract(epoch FROM clock_timestamp())::double precision", map: { $0.double(0) })
        else { return }
        let after = Clock.now()
        clockOffset = server - (before + after) / 2
        serverRoundTrip = after - before
        clockMeasuredAt = Clock.monotonic()
    }

    /// `userQuery` in PostgreSQL: without `allowWrites`, in a read-only transaction, which the
    /// server itself keeps from writing.
    func postgresUserQuery(_ text: String, allowWrites: Bool, _ body: (any SQLRow) throws -> Void) throws {
        if !allowWrites { try database.execute("BEGIN READ ONLY") }
        defer { if !allowWrites { try? database.execute("ROLLBACK") } }
        do {
            try database.forEachRow(text, []) { try body($0) }
        } catch let error as PostgresError where error.sqlState == "25006" {
            throw StoreError.queryWrites
        } catch let error as PostgresError where error.sqlState == "42601" && error.message.contains("multiple commands") {
            throw StoreError.queryHasMoreStatements(
                rest: text.drop { $0 != ";" }.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
