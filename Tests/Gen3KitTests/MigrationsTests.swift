import Foundation
import XCTest

@testable import Gen3Kit

final class MigrationsTests: XCTestCase {
    /// migrations/<backend>/*.sql is each backend's source of truth; the generated Swift must match
    /// it, and the two backends are numbered in step.
    func testGeneratedMigrationsMatchTheSQLFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (backend, migrations) in [("sqlite", Migrations.sqlite), ("postgres", Migrations.postgres)] {
            let directory = root.appendingPathComponent("migrations/\(backend)")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
            XCTAssertEqual(files.count, migrations.count, "run scripts/generate-migrations.sh")
            for (file, migration) in zip(files, migrations) {
                let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                XCTAssertEqual(
                    migration.sql, sql.hasSuffix("\n") ? String(sql.dropLast()) : sql,
                    "\(backend)/\(file) is stale: run scripts/generate-migrations.sh")
                XCTAssertEqual(file, String(format: "%04d_%@.sql", migration.version, migration.name))
            }
        }
        XCTAssertEqual(
            Migrations.postgres.map { "\($0.version) \($0.name)" }, Migrations.sqlite.map { "\($0.version) \($0.name)" },
            "the backends' migrations are numbered and named in step")
    }

    func testMigratingTwiceAppliesNothingAndStatesMatchTheCheck() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let connection = try Connection(path: directory + "/db.sqlite")
        XCTAssertEqual(try Migrator().migrate(connection), Migrations.sqlite.map(\.version))
        XCTAssertEqual(try Migrator().migrate(connection), [])
        // The only quoted literals in each table's SQL are those of its CHECK: exactly the enum's cases.
        func literals(of table: String) throws -> Set<String> {
            let schema = try connection.prepare("SELECT sql FROM sqlite_master WHERE name = '\(table)'").first { $0.string(0) } ?? nil
            let parts = (schema ?? "").split(separator: "'", omittingEmptySubsequences: false)
            return Set(stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) })
        }
        XCTAssertEqual(try literals(of: "files"), Set(JobState.allCases.map(\.rawValue)))
        XCTAssertEqual(try literals(of: "attempts"), Set(AttemptOutcome.allCases.map(\.rawValue)))
        let mode = try connection.prepare("PRAGMA journal_mode").first { $0.string(0) } ?? nil
        XCTAssertEqual(mode, "wal")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/db.sqlite")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    /// Version 3 rebuilds `files` (its UNIQUE constraints become named indexes): rows, the attempts
    /// that point at them, the views and the rules all survive, and foreign keys are on again.
    func testTheFilesRebuildKeepsRowsReferencesAndRules() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let connection = try Connection(path: directory + "/db.sqlite")
        var upgrades: [[Int]] = []
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version < 3 }).migrate(connection) { upgrades.append([$0, $1]) }, [1, 2])
        XCTAssertEqual(upgrades, [], "a new database is not an upgrade")
        try connection.execute(
            """
            INSERT INTO imports (id, manifest, imported_at) VALUES (1, 'm.json', 0);
            INSERT INTO files (id, guid, dest_name, state, attempts, import_id, created_at, updated_at, finished_at)
                VALUES (7, 'dg.T/1', 'a.bin', 'failed', 2, 1, 0, 0, 0), (9, 'dg.T/2', 'b.bin', 'pending', 0, 1, 0, 0, NULL);
            INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome)
                VALUES (7, 1, 'w', 0, 1, 'retry'), (7, 2, 'w', 1, 2, 'failed');
            """)
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version <= 3 }).migrate(connection) { upgrades.append([$0, $1]) }, [3])
        XCTAssertEqual(upgrades, [[2, 3]])
        let rows = try connection.prepare("SELECT id, guid, state, attempts FROM files ORDER BY id").rows { row in
            "\(row.int(0)) \(row.string(1) ?? "") \(row.string(2) ?? "") \(row.int(3))"
        }
        XCTAssertEqual(rows, ["7 dg.T/1 failed 2", "9 dg.T/2 pending 0"])
        XCTAssertNil(try connection.prepare("PRAGMA foreign_key_check").first { $0.string(0) ?? "" })
        XCTAssertEqual(try connection.prepare("PRAGMA foreign_keys").first { $0.int(0) }, 1)
        XCTAssertEqual(
            try connection.prepare("SELECT count(*) FROM attempts JOIN files ON files.id = attempts.file_id").first { $0.int(0) }, 2)
        XCTAssertEqual(try connection.prepare("SELECT guid FROM failures").first { $0.string(0) }, "dg.T/1")
        XCTAssertEqual(try connection.prepare("SELECT sum(files) FROM progress").first { $0.int(0) }, 2)
        XCTAssertThrowsError(
            try connection.execute(
                "INSERT INTO files (guid, import_id, created_at, updated_at) VALUES ('dg.T/1', 1, 0, 0)"), "a repeated GUID")
        XCTAssertThrowsError(
            try connection.execute(
                "INSERT INTO files (guid, dest_name, import_id, created_at, updated_at) VALUES ('dg.T/3', 'b.bin', 1, 0, 0)"),
            "a taken name")
        XCTAssertThrowsError(
            try connection.execute(
                "INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome) VALUES (8, 1, 'w', 0, 1, 'done')"),
            "foreign keys are off")
        XCTAssertThrowsError(try connection.execute("UPDATE files SET state = 'paused' WHERE id = 9"), "a state the check does not know")
        XCTAssertThrowsError(try connection.execute("UPDATE attempts SET outcome = 'maybe'"), "an outcome the check does not know")
        for state in JobState.allCases {
            XCTAssertNoThrow(try connection.execute("UPDATE files SET state = '\(state.rawValue)' WHERE id = 9"))
        }
        XCTAssertThrowsError(try connection.execute("UPDATE attempts SET outcome = 'skipped'"), "version 3 knows no skipped attempts")

        // Version 4 rebuilds `attempts` to allow 'skipped': the history survives, pointing where it did.
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version <= 4 }).migrate(connection) { upgrades.append([$0, $1]) }, [4])
        XCTAssertEqual(upgrades, [[2, 3], [3, 4]])
        let history = try connection.prepare("SELECT file_id, attempt, outcome FROM attempts ORDER BY id").rows { row in
            "\(row.int(0)) \(row.int(1)) \(row.string(2) ?? "")"
        }
        XCTAssertEqual(history, ["7 1 retry", "7 2 failed"])
        XCTAssertNil(try connection.prepare("PRAGMA foreign_key_check").first { $0.string(0) ?? "" })
        XCTAssertEqual(try connection.prepare("PRAGMA foreign_keys").first { $0.int(0) }, 1)
        for outcome in AttemptOutcome.allCases {
            XCTAssertNoThrow(try connection.execute("UPDATE attempts SET outcome = '\(outcome.rawValue)' WHERE attempt = 1"))
        }
        XCTAssertThrowsError(try connection.execute("UPDATE attempts SET outcome = 'maybe'"), "an outcome the check does not know")
        XCTAssertNotNil(try connection.prepare("SELECT name FROM sqlite_master WHERE name = 'attempts_file'").first { $0.string(0) } ?? nil)

        // Version 5 adds each file's commons: existing rows are the job's endpoint's, by commons in
        // the view, and the failures view names it.
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version <= 5 }).migrate(connection) { upgrades.append([$0, $1]) }, [5])
        XCTAssertEqual(upgrades.last, [4, 5])
        try connection.execute("UPDATE files SET state = 'failed' WHERE id = 9")
        try connection.execute("UPDATE files SET commons = 'https://other.example.org' WHERE id = 9")
        let byCommons = try connection.prepare("SELECT commons, state, files FROM commons ORDER BY commons").rows { row in
            "\(row.string(0) ?? "") \(row.string(1) ?? "") \(row.int(2))"
        }
        XCTAssertEqual(byCommons, ["(the job's endpoint) failed 1", "https://other.example.org failed 1"])
        let failed = try connection.prepare("SELECT guid, commons FROM failures ORDER BY guid").rows { row in
            "\(row.string(0) ?? "") \(row.string(1) ?? "-")"
        }
        XCTAssertEqual(failed, ["dg.T/1 -", "dg.T/2 https://other.example.org"])
        XCTAssertThrowsError(
            try connection.execute("INSERT INTO resolver_cache VALUES ('dg.X', 'https://x.org', 'guess', 0)"),
            "a source the check does not know")

        // Version 6 records the byte ranges of files fetched in parts, until the file is done.
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version <= 6 }).migrate(connection) { upgrades.append([$0, $1]) }, [6])
        XCTAssertEqual(upgrades.last, [5, 6])
        try connection.execute("INSERT INTO file_ranges VALUES (7, 0, 10, 10), (7, 10, 20, 3), (9, 0, 10, 0)")
        XCTAssertThrowsError(try connection.execute("INSERT INTO file_ranges VALUES (9, 10, 20, 11)"), "more done than the range")
        XCTAssertThrowsError(try connection.execute("INSERT INTO file_ranges VALUES (8, 0, 10, 0)"), "a file that does not exist")
        try connection.execute("UPDATE files SET state = 'pending' WHERE id = 7")
        try connection.execute("UPDATE files SET state = 'done' WHERE id = 9")
        let ranges = try connection.prepare("SELECT file_id, start_offset, done FROM file_ranges ORDER BY 1, 2").rows { row in
            "\(row.int(0)) \(row.int(1)) \(row.int(2))"
        }
        XCTAssertEqual(ranges, ["7 0 10", "7 10 3"], "a done file's ranges go, the others stay")

        // Version 7 counts files and bytes by commons and state: the rows already there are
        // counted once, and the views read the counts.
        try connection.execute("UPDATE files SET expected_size = 100, bytes_done = 40 WHERE id = 7")
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version <= 7 }).migrate(connection) { upgrades.append([$0, $1]) }, [7])
        XCTAssertEqual(upgrades.last, [6, 7])
        let counts = try connection.prepare(
            "SELECT commons, state, files, expected_bytes, bytes_done, unknown_sizes FROM file_counts ORDER BY 1"
        )
        .rows { row in (1...5).reduce(row.string(0) ?? "-") { "\($0) \(row.string($1) ?? "-")" } }
        XCTAssertEqual(counts, [" pending 1 100 40 0", "https://other.example.org done 1 0 0 1"])
        try connection.execute("UPDATE files SET state = 'claimed' WHERE id = 7")
        let progress = try connection.prepare("SELECT state, files, expected_bytes, bytes_done, unknown_sizes FROM progress").rows { row in
            (1...4).reduce(row.string(0) ?? "-") { "\($0) \(row.string($1) ?? "-")" }
        }
        XCTAssertEqual(progress, ["claimed 1 100 40 0", "done 1 0 0 1"])
        let countsByCommons = try connection.prepare("SELECT commons, state, files FROM commons ORDER BY commons").rows { row in
            "\(row.string(0) ?? "") \(row.string(1) ?? "") \(row.int(2))"
        }
        XCTAssertEqual(countsByCommons, ["(the job's endpoint) claimed 1", "https://other.example.org done 1"])

        // Version 8 indexes the failed files and the attempts by when they finished.
        XCTAssertEqual(
            try Migrator(migrations: Migrations.sqlite.filter { $0.version <= 8 }).migrate(connection) { upgrades.append([$0, $1]) }, [8])
        XCTAssertEqual(upgrades.last, [7, 8])
        try connection.execute("UPDATE files SET state = 'failed'")
        XCTAssertEqual(
            try connection.prepare("SELECT id FROM files INDEXED BY files_failed WHERE state = 'failed'").rows { $0.int(0) }, [7, 9])
        XCTAssertEqual(
            try connection.prepare("SELECT count(*) FROM attempts INDEXED BY attempts_finished WHERE finished_at >= 2").first { $0.int(0) },
            1)

        // Version 9 changes PostgreSQL's ranges trigger only: here a done file's ranges still go.
        XCTAssertEqual(try Migrator().migrate(connection) { upgrades.append([$0, $1]) }, [9])
        XCTAssertEqual(upgrades.last, [8, 9])
        let before = try connection.prepare("SELECT file_id, count(*) FROM file_ranges GROUP BY 1 ORDER BY 1").rows {
            "\($0.int(0)):\($0.int(1))"
        }
        XCTAssertEqual(before, ["7:2"])
        try connection.execute("UPDATE files SET state = 'done' WHERE id = 7")
        XCTAssertEqual(try connection.prepare("SELECT file_id FROM file_ranges").rows { $0.int(0) }, [])
    }
}
