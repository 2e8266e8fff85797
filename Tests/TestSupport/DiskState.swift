import Foundation
import Gen3Kit
import Gen3TestCommons

/// What was on disk before a run and what the commons had served until then, to check what that
/// run fetched against. A kill loses what was only in memory (bodies in flight, small bodies
/// waiting for their sync), and those are fetched again: how many depends on where the kill lands.
/// What was on disk never is: a file at its final name is verified in place, and a part file is
/// continued from its end, the run's first request for it asking for the range from there.
public struct DiskState {
    /// Body bytes served per GUID, and the ranges asked for, before the run.
    public let served: [String: Int]
    public let rangeStarts: [String: [Int]]
    /// Names at their final name in the download directory.
    public let finished: Set<String>
    /// The size of each part file, by the final name it is for.
    public let parts: [String: Int]

    /// Waits for the connections of a killed run to close first: its orphaned workers may still be
    /// dying, and bytes the commons writes to them until then belong to that run.
    public init(_ job: JobFixture) throws {
        try job.commons.waitForConnectionsClosed()
        let stats = job.commons.stats
        served = stats.bytesServed
        rangeStarts = stats.rangeStarts
        let names = job.downloadedFiles
        finished = Set(names.filter { !$0.hasSuffix(".part") })
        parts = Dictionary(
            uniqueKeysWithValues: names.filter { $0.hasSuffix(".part") }.map { name in
                (String(name.dropLast(".part".count)), Int(FilePaths.fileSize(job.downloads + "/" + name) ?? 0))
            })
    }

    /// Bytes of `objects` kept on disk: whole files and what their part files hold.
    public func bytesKept(of objects: [TestObject]) -> Int {
        objects.reduce(0) { kept, object in kept + (finished.contains(object.fileName) ? object.size : parts[object.fileName] ?? 0) }
    }

    /// What the run after this state fetched that it should not have, one line per object (empty
    /// when nothing): a file at its final name fetched again, a part file not continued from its
    /// end, or more bytes than were missing. Waits for the run's connections to close first.
    /// `continued` counts the part files the run did continue (so a caller can tell that the check
    /// was not vacuous).
    public func refetched(since job: JobFixture, continued: inout Int) throws -> [String] {
        try job.commons.waitForConnectionsClosed()
        let stats = job.commons.stats
        var problems: [String] = []
        for object in job.commons.objects {
            let fetched = (stats.bytesServed[object.guid] ?? 0) - (served[object.guid] ?? 0)
            let starts = (stats.rangeStarts[object.guid] ?? []).dropFirst(rangeStarts[object.guid]?.count ?? 0)
            if finished.contains(object.fileName) {
                if fetched != 0 {
                    problems.append("\(object.fileName) was at its final name and \(fetched) bytes of it were fetched again")
                }
                continue
            }
            let kept = parts[object.fileName] ?? 0
            if kept > 0 && (fetched > 0 || !starts.isEmpty) {
                if starts.first == kept {
                    continued += 1
                } else {
                    problems.append(
                        "\(object.fileName): \(kept) bytes in its part file, first range asked from \(starts.first.map(String.init) ?? "none")"
                    )
                }
            }
            if fetched > object.size - kept {
                problems.append("\(object.fileName): \(kept) bytes in its part file, \(fetched) of \(object.size) fetched")
            }
        }
        return problems
    }
}
