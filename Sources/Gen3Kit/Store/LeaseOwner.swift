#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a claimed row: `node:pid@start` of the worker process, stored in `files.lease_owner`,
/// where the node is `host/boot-id` (or `GEN3_NODE` when set) and `start` is when the process
/// started (`/proc/<pid>/stat`, in clock ticks since boot). Built and read only here, so a
/// supervisor can tell a dead owner on its own node (`localProcess`) from a live one and release
/// its rows at once; the start time keeps a pid the kernel has given to another process since
/// (pids are reused within minutes on a busy machine) from passing for the owner. An owner on
/// another node, or from before this machine's last boot, is left to its lease. Any other text (an
/// owner from a tool that writes its own) is opaque.
package struct LeaseOwner: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text in `lease_owner`.
    package let description: String

    package init(_ text: String) { description = text }
    package init(stringLiteral text: String) { description = text }

    /// The owner for process `pid` on `node`, which started at `started` (nil: unknown).
    package init(node: String = LeaseOwner.node, pid: pid_t, started: UInt64? = nil) {
        description = "\(node):\(pid)" + (started.map { "@\($0)" } ?? "")
    }

    /// This process.
    package static var current: LeaseOwner { LeaseOwner(pid: getpid(), started: startTime(of: getpid())) }

    /// The environment variable that names this node instead of `host/boot-id`: for machines that
    /// share a host name (containers), and for tests that play several nodes on one machine.
    package static let nodeVariable = "GEN3_NODE"

    /// This node: `GEN3_NODE`, else the host name and the first part of the kernel's boot id.
    /// The boot id keeps two machines of the same name apart, and a pid from before a reboot from
    /// the process that has it now.
    package static let node: String = {
        if let named = getenv(nodeVariable).map({ String(cString: $0) }), !named.isEmpty {
            return named.replacingOccurrences(of: ":", with: "_")
        }
        return "\(hostName())/\(bootID())"
    }()

    /// The process behind this owner, when it is one on this node. An owner written before node
    /// names had a boot id (`host:pid`) counts as local when the host is this one, as it did then.
    package var localProcess: pid_t? { local?.pid }

    /// Whether this owner is a process of this node that is gone: exited, a zombie, or a pid the
    /// kernel has since given to a process that started at another time.
    package var isGoneFromThisNode: Bool {
        guard let (pid, started) = local else { return false }
        guard let now = Self.status(of: pid), now.state != "Z" && now.state != "X" else { return true }
        return started.map { $0 != now.started } ?? false
    }

    /// The pid and start time of an owner of this node.
    private var local: (pid: pid_t, started: UInt64?)? {
        guard let colon = description.lastIndex(of: ":") else { return nil }
        let node = description[..<colon]
        guard node == Self.node || (!node.contains("/") && node == Self.hostName() && getenv(Self.nodeVariable) == nil) else {
            return nil
        }
        let process = description[description.index(after: colon)...].split(separator: "@", omittingEmptySubsequences: false)
        guard let pid = process.first.flatMap({ pid_t($0) }) else { return nil }
        guard process.count == 2 else { return process.count == 1 ? (pid, nil) : nil }
        guard let started = UInt64(process[1]) else { return nil }
        return (pid, started)
    }

    /// When process `pid` started, in clock ticks since boot; nil when it is gone.
    package static func startTime(of pid: pid_t) -> UInt64? { status(of: pid)?.started }

    /// A process's state letter and start time, from `/proc/<pid>/stat` (the name in parentheses
    /// may hold spaces, so the fields are counted from after its closing one: state is the 3rd
    /// field of the line, the start time the 22nd).
    private static func status(of pid: pid_t) -> (state: Character, started: UInt64)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0, let close = buffer[..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(close + 1)..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, let state = fields[0].first, let started = UInt64(String(decoding: fields[19], as: UTF8.self))
        else { return nil }
        return (Character(UnicodeScalar(state)), started)
    }

    /// This machine's name.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(filledBuffer: buffer)
    }

    /// The first group of `/proc/sys/kernel/random/boot_id` (new at every boot), or "0".
    static func bootID() -> String {
        let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "0" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return "0" }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return String(text.prefix { $0.isHexDigit })
    }
}
