import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

/// `Durability` on real file systems without `O_TMPFILE` or `renameat2(RENAME_NOREPLACE)`, mounted
/// by `scripts/portable-fs.sh`: exFAT (no hard links either) and a bindfs pass-through (hard
/// links, as NFS). Both are FUSE, where `syncfs` succeeds without reaching the disk.
final class PortableDurabilityTests: XCTestCase {
    /// A mount of `kind` for one test, unmounted when the test ends.
    private func mount(_ kind: PortableFileSystem.Kind) throws -> PortableFileSystem {
        let scratch = TemporaryDirectory("portable-durability")
        let fileSystem = try PortableFileSystem(kind, at: scratch.file("mnt"))
        addTeardownBlock {
            fileSystem.unmount()
            _ = scratch
        }
        return fileSystem
    }

    /// A verified part file gets its free final name, and leaves no part file.
    func testAFileGetsAFreeNameWithoutReplacingAnything() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let fileSystem = try mount(kind)
            let final = fileSystem.path + "/a.bin"
            try Durability().rename(try partFile(final, "ours"), to: final, replacing: false)
            XCTAssertEqual(try String(contentsOfFile: final, encoding: .utf8), "ours", "\(kind)")
            XCTAssertEqual(TemporaryDirectory.listing(fileSystem.path), ["a.bin"], "\(kind)")
        }
    }

    /// A name that something took while the file downloaded is not taken from it: `exists`, and
    /// what is there and the part file stay as they are.
    func testATakenNameIsLeftAsItIs() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let fileSystem = try mount(kind)
            let final = fileSystem.path + "/a.bin"
            let part = try partFile(final, "ours")
            try "theirs".write(toFile: final, atomically: false, encoding: .utf8)
            XCTAssertThrowsError(try Durability().rename(part, to: final, replacing: false), "\(kind)") { error in
                XCTAssertEqual(error as? SinkError, .exists(path: final), "\(kind)")
            }
            XCTAssertEqual(try String(contentsOfFile: final, encoding: .utf8), "theirs", "\(kind)")
            XCTAssertEqual(try String(contentsOfFile: part, encoding: .utf8), "ours", "\(kind)")
        }
    }

    /// `--overwrite` replaces what is there.
    func testReplacingReplaces() throws {
        for kind in PortableFileSystem.Kind.allCases {
            let fileSystem = try mount(kind)
            let final = fileSystem.path + "/a.bin"
            let part = try partFile(final, "ours")
            try "theirs".write(toFile: final, atomically: false, encoding: .utf8)
            try Durability().rename(part, to: final, replacing: true)
            XCTAssertEqual(try String(contentsOfFile: final, encoding: .utf8), "ours", "\(kind)")
            XCTAssertEqual(TemporaryDirectory.listing(fileSystem.path), ["a.bin"], "\(kind)")
        }
    }

    /// `syncfs` is trusted where it reaches the disk (the tests' own ext4 or tmpfs), not on FUSE:
    /// there a group of files is synced one by one, each with its own `fdatasync`.
    func testAGroupOnFUSEIsSyncedFileByFile() throws {
        let local = TemporaryDirectory()
        XCTAssertTrue(Durability().syncFileSystem(of: local.path))
        for kind in PortableFileSystem.Kind.allCases {
            let fileSystem = try mount(kind)
            XCTAssertFalse(Durability().syncFileSystem(of: fileSystem.path), "\(kind)")
            let log = DurabilityEventLog()
            let durability = Durability { log.append($0) }
            let renamer = DurableRenamer(directory: fileSystem.path, durability: durability) {}
            let names = (1...3).map { "f\($0).bin" }
            for (index, name) in names.enumerated() {
                let body = [UInt8](repeating: UInt8(index), count: 100 << 10)
                let (sink, _) = try FileSinks.open(
                    finalPath: fileSystem.path + "/" + name, expectedSize: Int64(body.count), durability: durability)
                XCTAssertTrue(body.withUnsafeBytes { sink.write($0) })
                let task = FileTask(
                    file: ClaimedFile(
                        id: Int64(index), guid: "dg.TEST/\(index)", fileName: nil, destName: nil, expectedSize: Int64(body.count),
                        expectedMD5: nil, attempts: 0))
                task.sink = sink
                renamer.submit(
                    .init(task: task, record: AttemptRecord(fileID: Int64(index), outcome: .done(md5: sink.md5()), startedAt: 0)))
            }
            renamer.wait()
            XCTAssertTrue(renamer.takeResults().allSatisfy { $0.error == nil }, "\(kind)")
            renamer.close()
            let events = log.all
            XCTAssertFalse(events.contains { if case .fileSystemSynced = $0 { return true } else { return false } }, "\(kind): \(events)")
            for name in names {
                let path = fileSystem.path + "/" + name
                let synced = events.firstIndex(of: .dataSynced(path))
                let named = events.firstIndex(of: .named(path))
                XCTAssertNotNil(synced, "\(kind): \(name) was not synced: \(events)")
                XCTAssertLessThan(synced ?? .max, named ?? -1, "\(kind): \(name) named before its data was synced")
            }
            XCTAssertEqual(events.last, .directorySynced(fileSystem.path), "\(kind)")
        }
    }

    /// A part file of `finalPath` holding `body`, as a download leaves it.
    private func partFile(_ finalPath: String, _ body: String) throws -> String {
        let part = finalPath + ".part"
        try body.write(toFile: part, atomically: false, encoding: .utf8)
        return part
    }
}
