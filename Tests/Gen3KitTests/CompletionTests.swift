import Digest
import Foundation
import Logging
import XCTest

@testable import Gen3Kit

/// The crash-safety rule, step by step: for every kind of sink and both sync modes, a file's data
/// is on disk before it is named, and its name is on disk before its outcome is committed.
final class CompletionTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("completion-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Sizes of one file of each sink: in memory (under 64 KiB), part file, direct (8 MiB or more, README).
    private let sizes: [Int64] = [1000, 100 << 10, (8 << 20) + 4096]

    private func store(_ name: String) throws -> JobStore {
        let store = try JobStore(path: directory + "/\(name).sqlite")
        try store.importRows(
            sizes.enumerated().map { "dg.T/\(name)-\($0.offset)\t\(name)-\($0.offset).bin\t\($0.element)" },
            manifest: directory + "/\(name).tsv", downloadPath: directory + "/data")
        return store
    }

    func testEachFileIsSyncedBeforeItIsNamedAndNamedBeforeItIsRecorded() throws {
        for groupSync in [true, false] {
            let name = groupSync ? "group" : "each"
            let store = try store(name)
            let log = DurabilityEventLog()
            let durability = Durability { log.append($0) }
            let completion = try Completion(
                store: store, owner: "w", directory: directory + "/data", groupSync: groupSync, limit: AwaitingSyncLimit(openFiles: 16),
                durability: durability, logger: Logger(label: "test"), wake: {})
            let claimed = try store.claimBatch(owner: "w", limit: 10, leaseSeconds: 60)
            XCTAssertEqual(claimed.count, sizes.count)
            var paths: [Int64: String] = [:]
            var kinds: [String] = []
            for file in claimed {
                let path = directory + "/data/" + (file.destName ?? "")
                paths[file.id] = path
                let (sink, offset) = try FileSinks.open(
                    finalPath: path, expectedSize: file.expectedSize, partAbsent: true, durability: durability)
                XCTAssertEqual(offset, 0)
                kinds.append(String(describing: type(of: sink)))
                let body = [UInt8](repeating: UInt8(file.id), count: Int(file.expectedSize ?? 0))
                XCTAssertTrue(body.withUnsafeBytes { sink.write($0) })
                let task = FileTask(file: file)
                task.sink = sink
                task.md5Deferred = sink.inMemory
                let md5 = sink.inMemory ? "" : sink.md5()
                completion.submit(verified: task, record: AttemptRecord(fileID: file.id, outcome: .done(md5: md5), startedAt: 0))
            }
            XCTAssertEqual(kinds.sorted(), ["DirectSink", "MemorySink", "PartFileSink"])
            completion.waitForSync()
            XCTAssertTrue(completion.takeProblems().isEmpty)
            try completion.flush()
            completion.close()
            XCTAssertEqual(try store.progress().count(.done), sizes.count, name)
            assertRule(log.all, paths: paths, name)
        }
    }

    /// A `done` outcome that did not pass through the renamer (a verified file found in place) is
    /// committed only after the directory is synced.
    func testADoneFileFoundInPlaceIsRecordedAfterADirectorySync() throws {
        let store = try store("inplace")
        let log = DurabilityEventLog()
        let completion = try Completion(
            store: store, owner: "w", directory: directory + "/data", groupSync: true, limit: AwaitingSyncLimit(openFiles: 16),
            durability: Durability { log.append($0) }, logger: Logger(label: "test"), wake: {})
        let file = try XCTUnwrap(store.claimBatch(owner: "w", limit: 1, leaseSeconds: 60).first)
        completion.record(AttemptRecord(fileID: file.id, outcome: .done(md5: "x"), startedAt: 0))
        try completion.flush()
        completion.close()
        XCTAssertEqual(log.all, [.directorySynced(directory + "/data"), .committed([file.id])])
    }

    /// For each file: a data sync of it (or of the whole file system) before it is named, then a
    /// sync of the names (directory or file system) after it is named and before it is committed.
    private func assertRule(
        _ events: [DurabilityEvent], paths: [Int64: String], _ name: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for (id, path) in paths {
            guard let named = events.firstIndex(of: .named(path)) else {
                XCTFail("\(name): \(path) was never named: \(events)", file: file, line: line)
                continue
            }
            let dataSynced = events[..<named].contains { event in
                if case .dataSynced(path) = event { return true }
                if case .fileSystemSynced = event { return true }
                return false
            }
            XCTAssertTrue(dataSynced, "\(name): \(path) named before its data was synced: \(events)", file: file, line: line)
            guard
                let committed = events.firstIndex(where: {
                    if case .committed(let ids) = $0 { return ids.contains(id) } else { return false }
                })
            else {
                XCTFail("\(name): \(path) was never committed: \(events)", file: file, line: line)
                continue
            }
            XCTAssertGreaterThan(committed, named, "\(name): \(path) committed before it was named", file: file, line: line)
            let namesSynced = events[named..<committed].contains { event in
                if case .directorySynced = event { return true }
                if case .fileSystemSynced = event { return true }
                return false
            }
            XCTAssertTrue(namesSynced, "\(name): \(path) committed before its name was synced: \(events)", file: file, line: line)
        }
    }
}
