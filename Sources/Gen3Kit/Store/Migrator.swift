/// Applies a backend's migrations (`migrations/<backend>/*.sql`) in order, recording the version:
/// on SQLite each in its own transaction, on PostgreSQL all pending ones in one. Safe when several
/// processes open a new database at once: the version is re-read under the lock.
package struct Migrator {
    package let migrations: [Migration]
    private let backend: StoreBackend

    package init(backend: StoreBackend = .sqlite) {
        self.init(migrations: backend == .sqlite ? Migrations.sqlite : Migrations.postgres, backend: backend)
    }

    package init(migrations: [Migration], backend: StoreBackend = .sqlite) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.backend = backend
    }

    package var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the schema up to date; returns the versions applied now. `willUpgrade(from, to)` is
    /// called before an existing job's schema changes (not a new database's), which can take
    /// seconds for a large job. With `tableExists` (the caller saw `schema_migrations`), a job
    /// already at the latest version is left after one read, without the lock's transaction: a
    /// version only grows, and every session a run opens on a distant server would otherwise
    /// wait for four more round trips.
    @discardableResult
    package func migrate(
        _ database: any SQLDatabase, tableExists: Bool = false, willUpgrade: (Int, Int) -> Void = { _, _ in }
    ) throws -> [Int] {
        if tableExists, try supported(currentVersion(database)) == latestVersion { return [] }
        // PostgreSQL: two processes creating the table at once would clash in its catalog, and
        // two applying a migration at once would both read the old version; an advisory lock held
        // to each commit serializes them. SQLite's `BEGIN IMMEDIATE` does the same.
        if backend == .postgres { return try migrateInOneTransaction(database, willUpgrade: willUpgrade) }
        let current = try database.transaction { try lockedVersion(database) }
        var applied: [Int] = []
        guard migrations.contains(where: { $0.version > current }) else { return applied }
        if current > 0 { willUpgrade(current, latestVersion) }
        // A SQLite migration that rebuilds a table (its way to change a column) drops the table
        // other rows point at: foreign keys are off while it runs and checked before its commit.
        // The pragma is a no-op inside a transaction, hence out here.
        try database.execute("PRAGMA foreign_keys = OFF")
        defer { try? database.execute("PRAGMA foreign_keys = ON") }
        for migration in migrations where migration.version > current {
            try database.transaction {
                guard try currentVersion(database) < migration.version else { return }
                try database.execute(migration.sql)
                if let broken = try database.first("PRAGMA foreign_key_check", map: { $0.string(0) ?? "?" }) {
                    throw StoreError.migrationBrokeForeignKeys(version: migration.version, table: broken)
                }
                try database.run(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    .integer(Int64(migration.version)), .text(migration.name), .real(Clock.now()))
                applied.append(migration.version)
            }
        }
        return applied
    }

    /// PostgreSQL's changes to its schema are transactional: every pending migration, and its
    /// version's row, goes in the transaction that read the version under the lock, sent as one
    /// text. A server tens of milliseconds away would otherwise take six round trips for each.
    private func migrateInOneTransaction(_ database: any SQLDatabase, willUpgrade: (Int, Int) -> Void) throws -> [Int] {
        try database.transaction {
            let current = try lockedVersion(database)
            let pending = migrations.filter { $0.version > current }
            guard !pending.isEmpty else { return [] }
            if current > 0 { willUpgrade(current, latestVersion) }
            let now = Clock.now()
            // A migration's text may end in a comment: each statement after it starts on a line
            // of its own.
            let script = pending.map { migration in
                let name = migration.name.replacingOccurrences(of: "'", with: "''")
                return migration.sql + "\n;\nINSERT INTO schema_migrations (version, name, applied_at) VALUES "
                    + "(\(migration.version), '\(name)', \(now));"
            }
            try database.execute(script.joined(separator: "\n"))
            return pending.map(\.version)
        }
    }

    /// In the caller's transaction: takes the lock, creates the versions' table if need be, and
    /// returns the version the job is at.
    private func lockedVersion(_ database: any SQLDatabase) throws -> Int {
        try lock(database)
        try database.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at \(backend == .sqlite ? "REAL" : "DOUBLE PRECISION") NOT NULL)
            """)
        return try supported(currentVersion(database))
    }

    /// `version`, unless it is newer than this build knows.
    private func supported(_ version: Int) throws -> Int {
        if version > latestVersion { throw StoreError.schemaTooNew(found: version, supported: latestVersion) }
        return version
    }

    package func currentVersion(_ database: any SQLDatabase) throws -> Int {
        try database.first("SELECT coalesce(max(version), 0) FROM schema_migrations") { $0.int(0) } ?? 0
    }

    /// The lock migrations hold in PostgreSQL (a constant key: "gen3" in ASCII).
    private func lock(_ database: any SQLDatabase) throws {
        if backend == .postgres { try database.execute("SELECT pg_advisory_xact_lock(1734700595)") }
    }
}
