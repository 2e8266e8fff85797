/// Applies `migrations/*.sql` in order, each in its own transaction, recording the version.
/// Safe when several processes open a new database at once: the version is re-read under the lock.
package struct Migrator {
    package let migrations: [Migration]

    package init(migrations: [Migration] = Migrations.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    package var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the schema up to date; returns the versions applied now. `willUpgrade(from, to)` is
    /// called before an existing job's schema changes (not a new database's), which can take
    /// seconds for a large job.
    @discardableResult
    package func migrate(_ connection: Connection, willUpgrade: (Int, Int) -> Void = { _, _ in }) throws -> [Int] {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)
            """)
        let current = try currentVersion(connection)
        if current > latestVersion { throw StoreError.schemaTooNew(found: current, supported: latestVersion) }
        var applied: [Int] = []
        guard migrations.contains(where: { $0.version > current }) else { return applied }
        if current > 0 { willUpgrade(current, latestVersion) }
        // A migration that rebuilds a table (SQLite's way to change a column) drops the table other
        // rows point at: foreign keys are off while it runs and checked before its commit. The
        // pragma is a no-op inside a transaction, hence out here.
        try connection.execute("PRAGMA foreign_keys = OFF")
        defer { try? connection.execute("PRAGMA foreign_keys = ON") }
        for migration in migrations where migration.version > current {
            try connection.transaction(.immediate) {
                guard try currentVersion(connection) < migration.version else { return }
                try connection.execute(migration.sql)
                if let broken = try connection.prepare("PRAGMA foreign_key_check").first(map: { $0.string(0) ?? "?" }) {
                    throw StoreError.migrationBrokeForeignKeys(version: migration.version, table: broken)
                }
                try connection.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                    .run(.integer(Int64(migration.version)), .text(migration.name), .real(Clock.now()))
                applied.append(migration.version)
            }
        }
        return applied
    }

    package func currentVersion(_ connection: Connection) throws -> Int {
        try connection.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations").first { $0.int(0) } ?? 0
    }
}
