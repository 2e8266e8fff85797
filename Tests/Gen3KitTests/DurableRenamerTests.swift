import Digest
import Dispatch
import Foundation
import TestSupport
import XCTest

@testable import Gen3Kit

final class DurableRenamerTests: XCTestCase {
    private func writtenTask(
        id: Int64, finalPath: String, body: String, expectedMD5: String? = nil,
        replacesExisting: Bool = false
    ) throws -> FileTask {
        let task = FileTask(
            file: ClaimedFile(
                id: id, guid: "dg.TEST/\(id)", fileName: nil, destName: nil,
                expectedSize: Int64(body.utf8.count), expectedMD5: expectedMD5, attempts: 0))
        let (sink, sinkOffset) = try FileSinks.open(
            finalPath: finalPath, expectedSize: Int64(body.utf8.count), replacesExisting: replacesExisting)
        XCTAssertEqual(sinkOffset, 0)
        XCTAssertTrue(Array(body.utf8).withUnsafeBytes { sink.write($0) })
        task.sink = sink
        return task
    }

    /// Hands over one small file per id, `f<id>` with the body `body <id>`, held in memory until the
    /// renamer writes it; `each` runs after each one.
    private func submitFiles(
        _ ids: ClosedRange<Int>, to renamer: DurableRenamer, in directory: TemporaryDirectory,
        each: (Int) -> Void = { _ in }
    ) throws {
        for id in ids {
            let task = try writtenTask(id: Int64(id), finalPath: directory.file("f\(id)"), body: "body \(id)")
            XCTAssertEqual(task.sink?.inMemory, true)
            renamer.submit(.init(task: task, record: AttemptRecord(fileID: Int64(id), outcome: .done(md5: "x"), startedAt: 0)))
            each(id)
        }
    }

    /// Every handed-over file ends at its final name with its content, and comes back exactly once.
    func testFilesReachTheirFinalNamesAndComeBackOnce() throws {
        let directory = TemporaryDirectory()
        let renamer = DurableRenamer(directory: directory.path) {}
        try submitFiles(1...40, to: renamer, in: directory)
        renamer.wait()
        let results = renamer.takeResults()
        XCTAssertEqual(results.map(\.item.record.fileID).sorted(), Array(1...40).map(Int64.init))
        XCTAssertTrue(results.allSatisfy { $0.error == nil })
        XCTAssertEqual(renamer.outstanding, 0)
        XCTAssertEqual(TemporaryDirectory.listing(directory.path), (1...40).map { "f\($0)" }.sorted())
        XCTAssertEqual(try String(contentsOfFile: directory.file("f7"), encoding: .utf8), "body 7")
        renamer.close()
    }

    /// A rename that cannot happen comes back as an error and leaves the part file in place.
    func testAFailedRenameIsReportedNotHidden() throws {
        let directory = TemporaryDirectory()
        let renamer = DurableRenamer(directory: directory.path) {}
        let task = try writtenTask(id: 1, finalPath: directory.file("f1"), body: "abc", replacesExisting: true)
        try FileManager.default.createDirectory(atPath: directory.file("f1"), withIntermediateDirectories: false)
        try "x".write(toFile: directory.file("f1/blocker"), atomically: false, encoding: .utf8)
        renamer.submit(.init(task: task, record: AttemptRecord(fileID: 1, outcome: .done(md5: "x"), startedAt: 0)))
        renamer.wait()
        let results = renamer.takeResults()
        XCTAssertEqual(results.count, 1)
        XCTAssertNotNil(results.first?.error)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("f1.part")))
    }

    /// Without `--overwrite` a name that something took while the file downloaded is not taken from
    /// it: the error says so, and nothing at that name or the part name changes.
    func testATakenNameIsLeftAsItIs() throws {
        let directory = TemporaryDirectory()
        let renamer = DurableRenamer(directory: directory.path) {}
        let task = try writtenTask(id: 1, finalPath: directory.file("f1"), body: "abc")
        try "theirs".write(toFile: directory.file("f1"), atomically: false, encoding: .utf8)
        renamer.submit(.init(task: task, record: AttemptRecord(fileID: 1, outcome: .done(md5: "x"), startedAt: 0)))
        renamer.wait()
        let results = renamer.takeResults()
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results.first?.error, .exists(path: directory.file("f1")))
        XCTAssertEqual(try String(contentsOfFile: directory.file("f1"), encoding: .utf8), "theirs")
        XCTAssertEqual(TemporaryDirectory.listing(directory.path), ["f1"])
        renamer.close()
    }

    /// Small bodies wait in memory with their md5 unchecked: the renamer checks it, gives a name only
    /// to the files that match, and reports the md5 of the one that does not.
    func testDeferredChecksumsAreCheckedBeforeAnyNameIsGiven() throws {
        let directory = TemporaryDirectory()
        for groupSync in [true, false] {
            let renamer = DurableRenamer(directory: directory.path, groupSync: groupSync) {}
            let good = try writtenTask(
                id: 1, finalPath: directory.file("good-\(groupSync)"), body: "abc",
                expectedMD5: "900150983cd24fb0d6963f7d28e17f72")
            let bad = try writtenTask(
                id: 2, finalPath: directory.file("bad-\(groupSync)"), body: "abd",
                expectedMD5: "900150983cd24fb0d6963f7d28e17f72")
            for task in [good, bad] {
                XCTAssertEqual(task.sink?.inMemory, true)
                task.md5Deferred = true
                renamer.submit(.init(task: task, record: AttemptRecord(fileID: task.file.id, outcome: .done(md5: ""), startedAt: 0)))
            }
            renamer.wait()
            let results = renamer.takeResults().sorted { $0.item.record.fileID < $1.item.record.fileID }
            XCTAssertEqual(results.count, 2)
            XCTAssertNil(results[0].error)
            XCTAssertNil(results[0].mismatchedMD5)
            XCTAssertEqual(results[0].item.record.outcome, .done(md5: "900150983cd24fb0d6963f7d28e17f72"))
            XCTAssertEqual(results[1].mismatchedMD5, MD5.hex(Array("abd".utf8)))
            renamer.close()
        }
        XCTAssertEqual(TemporaryDirectory.listing(directory.path), ["good-false", "good-true"])
    }

    /// A group's outcomes go to the recorder only once the files have their names; one the recorder
    /// could not commit comes back unrecorded, for the worker to commit itself.
    /// The same whether the syncer records or a thread of its own does (`recordsApart`).
    func testTheRecorderCommitsNamedFilesOrHandsThemBack() throws {
        let directory = TemporaryDirectory()
        for (accepts, apart) in [(true, false), (false, false), (true, true), (false, true)] {
            var seen: [[Int64]] = []
            let renamer = DurableRenamer(
                directory: directory.path,
                recorder: { records in
                    seen.append(records.map(\.fileID))
                    return accepts
                },
                recordsApart: apart, onResults: {})
            let good = try writtenTask(id: 1, finalPath: directory.file("ok-\(accepts)-\(apart)"), body: "abc")
            let blocked = try writtenTask(id: 2, finalPath: directory.file("blocked-\(accepts)-\(apart)"), body: "abc")
            try FileManager.default.createDirectory(
                atPath: directory.file("blocked-\(accepts)-\(apart)/inside"), withIntermediateDirectories: true)
            for task in [good, blocked] {
                renamer.submit(.init(task: task, record: AttemptRecord(fileID: task.file.id, outcome: .done(md5: "x"), startedAt: 0)))
            }
            renamer.wait()
            let results = renamer.takeResults().sorted { $0.item.record.fileID < $1.item.record.fileID }
            renamer.close()
            XCTAssertEqual(seen.flatMap { $0 }, [1], "only the file that got its name is recorded")
            XCTAssertEqual(results.map(\.recorded), [accepts, false])
            XCTAssertNotNil(results[1].error)
            XCTAssertEqual(renamer.recorded, accepts ? 1 : 0)
        }
    }

    /// With `recordsApart`, a commit under way (a round trip to a distant server) does not hold
    /// the next files unnamed: the syncer names them meanwhile, and their outcomes follow.
    func testACommitUnderWayDoesNotHoldTheNextFilesUnnamedWhenRecordsGoApart() throws {
        let directory = TemporaryDirectory()
        let committing = DispatchSemaphore(value: 0)
        let letCommit = DispatchSemaphore(value: 0)
        let seen = ConditionLock()
        var commits: [[Int64]] = []
        let renamer = DurableRenamer(
            directory: directory.path,
            recorder: { records in
                committing.signal()
                // A guard against a hang, not a measure: the test lets it go once it has looked.
                _ = letCommit.wait(timeout: .now() + 60)
                seen.locked { commits.append(records.map(\.fileID)) }
                return true
            },
            recordsApart: true, onResults: {})
        defer {
            letCommit.signal()
            letCommit.signal()
            renamer.close()
        }
        func handOver(_ id: Int64) throws {
            let task = try writtenTask(id: id, finalPath: directory.file("f\(id)"), body: "abc")
            renamer.submit(.init(task: task, record: AttemptRecord(fileID: id, outcome: .done(md5: "x"), startedAt: 0)))
        }
        try handOver(1)
        XCTAssertEqual(committing.wait(timeout: .now() + 60), .success, "the first file's commit began")
        try handOver(2)
        // Named while the first commit waits: the queue counts files until they are named.
        renamer.wait(timeout: 60) { $0.files == 0 }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("f2")), "the second file has its name")
        XCTAssertEqual(seen.locked { commits }, [], "the first commit has not returned")
        letCommit.signal()
        letCommit.signal()
        renamer.wait()
        let results = renamer.takeResults().sorted { $0.item.record.fileID < $1.item.record.fileID }
        XCTAssertEqual(results.map(\.item.record.fileID), [1, 2])
        XCTAssertEqual(results.map(\.recorded), [true, true])
        XCTAssertEqual(seen.locked { commits }, [[1], [2]])
    }

    /// Files handed over while earlier groups are being written and synced each come back once, and
    /// only when they are at their final names with their content.
    func testResultsComeBackOnlyOnceFilesHaveTheirNames() throws {
        let directory = TemporaryDirectory()
        let renamer = DurableRenamer(directory: directory.path) {}
        var seen: [Int64] = []
        func collect() {
            for result in renamer.takeResults() {
                let id = result.item.record.fileID
                XCTAssertNil(result.error)
                XCTAssertEqual(try? String(contentsOfFile: directory.file("f\(id)"), encoding: .utf8), "body \(id)")
                seen.append(id)
            }
        }
        try submitFiles(1...300, to: renamer, in: directory) { id in
            if id % 7 == 0 { collect() }
        }
        renamer.wait()
        collect()
        XCTAssertEqual(seen.sorted(), Array(1...300).map(Int64.init))
        XCTAssertEqual(renamer.outstanding, 0)
        renamer.close()
    }

    /// A body counts against the memory budget until it is written out, and a file against the
    /// open files until it is named; the queue is full when either reaches its bound.
    func testTheQueueCountsBodiesUntilWrittenAndFilesUntilNamed() throws {
        let directory = TemporaryDirectory()
        let wakes = DispatchSemaphore(value: 0)
        let renamer = DurableRenamer(directory: directory.path, groupSync: false) { wakes.signal() }
        func handOver(_ sink: GatedSink, id: Int64) {
            let task = FileTask(
                file: ClaimedFile(
                    id: id, guid: "dg.TEST/\(id)", fileName: nil, destName: nil, expectedSize: sink.expectedSize,
                    expectedMD5: nil, attempts: 0))
            task.sink = sink
            renamer.submit(.init(task: task, record: AttemptRecord(fileID: id, outcome: .done(md5: "x"), startedAt: 0)))
        }
        // A guard against a hang, not a measure: each step comes at once.
        func arrived(_ signal: DispatchSemaphore) { XCTAssertEqual(signal.wait(timeout: .now() + 60), .success) }
        let first = GatedSink(finalPath: directory.file("a"), size: 1000)
        let second = GatedSink(finalPath: directory.file("b"), size: 500)
        // Nothing stays blocked if a step fails, so that the renamer's threads can be joined.
        defer {
            for sink in [first, second] {
                sink.letWrite.signal()
                sink.letSync.signal()
            }
        }
        handOver(first, id: 1)
        arrived(first.reached) // being written out
        handOver(second, id: 2)
        XCTAssertEqual(renamer.load, .init(files: 2, bodyBytes: 1500))
        XCTAssertTrue(AwaitingSyncLimit(openFiles: 100, bodyBytes: 1500).isFull(renamer.load))
        XCTAssertFalse(AwaitingSyncLimit(openFiles: 100, bodyBytes: 1501).isFull(renamer.load))
        XCTAssertTrue(AwaitingSyncLimit(openFiles: 2, bodyBytes: 1 << 20).isFull(renamer.load))

        first.letWrite.signal()
        arrived(first.reached) // being synced
        arrived(second.reached) // being written out
        XCTAssertEqual(renamer.load, .init(files: 2, bodyBytes: 500))
        second.letWrite.signal()
        // The writer wakes the transfer loop after each group it wrote out; the syncer, still in
        // the first file's sync, has woken it for none.
        arrived(wakes)
        arrived(wakes)
        XCTAssertEqual(renamer.load, .init(files: 2, bodyBytes: 0), "written out, not yet named")
        XCTAssertTrue(AwaitingSyncLimit(openFiles: 2, bodyBytes: 1).isFull(renamer.load))

        first.letSync.signal()
        second.letSync.signal()
        renamer.wait()
        XCTAssertEqual(renamer.load, .init(files: 0, bodyBytes: 0))
        let results = renamer.takeResults()
        XCTAssertEqual(results.map(\.item.record.fileID).sorted(), [1, 2])
        XCTAssertTrue(results.allSatisfy { $0.error == nil })
        renamer.close()
    }

    /// Closing the renamer finishes every file handed over before it, whatever stage it was in, and
    /// files handed over after it are still made durable.
    func testCloseFinishesWhatWasHandedOver() throws {
        let directory = TemporaryDirectory()
        let renamer = DurableRenamer(directory: directory.path) {}
        try submitFiles(1...50, to: renamer, in: directory)
        renamer.close()
        XCTAssertEqual(renamer.takeResults().map(\.item.record.fileID).sorted(), Array(1...50).map(Int64.init))
        XCTAssertEqual(TemporaryDirectory.listing(directory.path).count, 50)
        try submitFiles(51...60, to: renamer, in: directory)
        renamer.wait(timeout: 60)
        XCTAssertEqual(renamer.takeResults().map(\.item.record.fileID).sorted(), Array(51...60).map(Int64.init))
        XCTAssertEqual(TemporaryDirectory.listing(directory.path).count, 60)
        renamer.close()
    }
}
