@testable import Gen3Kit
import Foundation
import XCTest

final class MigrationsTests: XCTestCase {
    /// migrations/*.sql is the source of truth; the generated Swift must match it.
    func testGeneratedMigrationsMatchTheSQLFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(files.count, Migrations.all.count, "run scripts/generate-migrations.sh")
        for (file, migration) in zip(files, Migrations.all) {
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(migration.sql, sql.hasSuffix("\n") ? String(sql.dropLast()) : sql, "\(file) is stale: run scripts/generate-migrations.sh")
            XCTAssertEqual(file, String(format: "%04d_%@.sql", migration.version, migration.name))
        }
    }

    func testMigratingTwiceAppliesNothingAndStatesMatchTheCheck() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let connection = try Connection(path: directory + "/db.sqlite")
        XCTAssertEqual(try Migrator().migrate(connection), Migrations.all.map(\.version))
        XCTAssertEqual(try Migrator().migrate(connection), [])
        let schema = try connection.prepare("SELECT sql FROM sqlite_master WHERE name = 'files'").first { $0.string(0) } ?? nil
        for state in JobState.allCases { XCTAssertTrue(schema?.contains("'\(state.rawValue)'") ?? false, state.rawValue) }
        let mode = try connection.prepare("PRAGMA journal_mode").first { $0.string(0) } ?? nil
        XCTAssertEqual(mode, "wal")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/db.sqlite")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }
}
