import Foundation

/// Problems with the job database a user can act on.
public enum StoreError: Error, LocalizedError {
    /// The database was written by a newer gen3.
    case schemaTooNew(found: Int, supported: Int)
    /// `--db` names a file that is not a gen3 job database; it was not changed.
    case notAJobDatabase(path: String)
    /// `run` or `status` on a database no manifest was imported into.
    case noJob(path: String)
    /// A second import asked for another download directory.
    case downloadPathMismatch(existing: String, requested: String)
    /// Two files of the manifest would be saved under the same name.
    case nameClashes([(name: String, guids: [String])], total: Int)
    /// `gen3 sql` was given a statement that writes, without `--write`.
    case queryWrites
    /// `gen3 sql` was given more than one statement.
    case queryHasMoreStatements(rest: String)
    /// Something only a job in a SQLite file can do was asked of a PostgreSQL one.
    case needsSQLite(operation: String)
    /// A schema migration left rows pointing at rows that are gone; it was rolled back.
    case migrationBrokeForeignKeys(version: Int, table: String)

    /// What went wrong and what to do about it.
    public var errorDescription: String? {
        switch self {
        case .schemaTooNew(let found, let supported):
            return "the job database has schema version \(found) but this gen3 knows up to \(supported): use a newer gen3"
        case .notAJobDatabase(let path):
            return "not a gen3 job database: \(path) (it was left as it is); pass --db with a job's database or a new file's path"
        case .noJob(let path):
            return "no job in \(path): run `gen3 import-manifest --manifest FILE --download-path DIR` first (or pass --db)"
        case .downloadPathMismatch(let existing, let requested):
            return "this job downloads to \(existing), not \(requested): use another --db for another destination"
        case .queryWrites:
            return
                "that statement would change the job database, and gen3 sql only reads: pass --write to change it (a running job may be using those rows)"
        case .queryHasMoreStatements(let rest):
            return "gen3 sql runs one statement, and more followed it (\(rest.prefix(40))…): run them one at a time"
        case .needsSQLite(let operation):
            return "\(operation) needs a job in a SQLite file; this job is in PostgreSQL"
        case .migrationBrokeForeignKeys(let version, let table):
            return
                "upgrading the job database to schema version \(version) would break references in table \(table); it was left as it was: please report this"
        case .nameClashes(let clashes, let total):
            var lines = ["\(total) files would be saved under a name another file of the job already has:"]
            for clash in clashes.prefix(20) {
                lines.append("  \(clash.name): \(clash.guids.joined(separator: ", "))")
            }
            if total > 20 { lines.append("  … and \(total - 20) more") }
            lines.append("Nothing was imported. Pass --rename to save later ones as name_1.ext, or --filename-format combined.")
            return lines.joined(separator: "\n")
        }
    }
}
