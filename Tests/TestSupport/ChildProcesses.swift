import Foundation

/// Processes as /proc shows them: the live children of a process, and whether one still runs.
public enum ChildProcesses {
    public static func of(_ parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let (state, ppid) = status(pid) else { return false }
            return state != "Z" && ppid == parent
        }
    }

    /// Whether `pid` is a process that has not ended (a zombie has: it only waits to be reaped).
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let (state, _) = status(pid) else { return false }
        return state != "Z"
    }

    /// The state letter and parent of `pid`, from /proc/<pid>/stat (the name in parentheses may
    /// hold spaces, so the fields are read from after its closing one).
    private static func status(_ pid: Int32) -> (state: Substring, parent: Int32)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let parent = Int32(fields[1]) else { return nil }
        return (fields[0], parent)
    }
}
