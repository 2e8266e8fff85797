#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a claimed row: `host:pid` of the worker process, stored in `files.lease_owner`. Built
/// and read only here, so a supervisor can tell a dead local owner (`process`) from a live one and
/// release its rows at once. Any other text (an owner from a tool that writes its own) is opaque.
package struct LeaseOwner: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text in `lease_owner`.
    package let description: String

    package init(_ text: String) { description = text }
    package init(stringLiteral text: String) { description = text }

    /// The owner for process `pid` on `host`.
    package init(host: String, pid: pid_t) { description = "\(host):\(pid)" }

    /// This process.
    package static var current: LeaseOwner { LeaseOwner(host: hostName(), pid: getpid()) }

    /// The process behind this owner, when it is one on this host.
    package var localProcess: pid_t? {
        guard let colon = description.lastIndex(of: ":"), description[..<colon] == Self.hostName() else { return nil }
        return pid_t(description[description.index(after: colon)...])
    }

    /// This machine's name, as owners made here carry it.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(filledBuffer: buffer)
    }
}
