#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a claimed row: `node:pid` of the worker process, stored in `files.lease_owner`, where
/// the node is `host/boot-id` (or `GEN3_NODE` when set). Built and read only here, so a supervisor
/// can tell a dead owner on its own node (`localProcess`) from a live one and release its rows at
/// once; an owner on another node, or from before this machine's last boot, is left to its lease.
/// Any other text (an owner from a tool that writes its own) is opaque.
package struct LeaseOwner: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text in `lease_owner`.
    package let description: String

    package init(_ text: String) { description = text }
    package init(stringLiteral text: String) { description = text }

    /// The owner for process `pid` on `node`.
    package init(node: String = LeaseOwner.node, pid: pid_t) { description = "\(node):\(pid)" }

    /// This process.
    package static var current: LeaseOwner { LeaseOwner(pid: getpid()) }

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
    package var localProcess: pid_t? {
        guard let colon = description.lastIndex(of: ":") else { return nil }
        let node = description[..<colon]
        guard node == Self.node || (!node.contains("/") && node == Self.hostName() && getenv(Self.nodeVariable) == nil) else {
            return nil
        }
        return pid_t(description[description.index(after: colon)...])
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
