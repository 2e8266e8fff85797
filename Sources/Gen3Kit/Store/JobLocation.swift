/// What `--db` names: a SQLite file's path, or a PostgreSQL database's URL.
package enum JobLocation {
    /// Whether `location` is a PostgreSQL URL (`postgresql://…` or `postgres://…`, as libpq reads them).
    package static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }
}
