import Foundation

/// A deadline on a process a test started: past it, the process and every process it started are
/// killed (SIGKILL) and `wait()` throws, so a deadlock fails its test instead of hanging the suite.
/// Armed when made; `wait()` (or `waitForExit()`) waits for the exit and disarms it.
public final class ProcessWatchdog {
    /// Seconds one process may run: far more than any test's process needs, even under a sanitizer.
    /// `GEN3_TEST_PROCESS_TIMEOUT` in the tests' environment changes it.
    public static var defaultTimeout: Double {
        ProcessInfo.processInfo.environment["GEN3_TEST_PROCESS_TIMEOUT"].flatMap(Double.init) ?? 600
    }

    private final class Fired: @unchecked Sendable {
        // Written once by the timer's queue, read after the process has exited; the lock orders them.
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    private let fired = Fired()
    private let timer: DispatchWorkItem
    private let timeout: Double
    private let command: String
    private let process: Process

    public init(_ process: Process, timeout: Double = ProcessWatchdog.defaultTimeout) {
        self.process = process
        self.timeout = timeout
        command = ([process.executableURL?.path ?? "?"] + (process.arguments ?? [])).joined(separator: " ")
        let pid = process.processIdentifier
        let fired = fired
        timer = DispatchWorkItem {
            fired.set()
            ProcessWatchdog.killTree(pid)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
    }

    /// Seconds a killed process may take to be seen gone before the wait gives up on it.
    private static let grace = 30.0

    /// Waits for the process to exit; throws when the watchdog had to kill it. Never hangs: Foundation
    /// sees a process exit only once every process holding its end of the exit pipe has, so if
    /// something it started escaped the kill, the wait gives up `grace` seconds after the deadline.
    public func wait() throws {
        let exited = DispatchSemaphore(value: 0)
        let process = process
        DispatchQueue.global().async {
            process.waitUntilExit()
            exited.signal()
        }
        let gone = exited.wait(timeout: .now() + timeout + Self.grace) == .success
        timer.cancel()
        if !gone { fired.set() }
        if fired.isSet { throw ProcessTimedOut(command: command, seconds: timeout, gone: gone) }
    }

    /// Stops the timer without waiting for the process (it keeps running).
    public func disarm() { timer.cancel() }

    /// Kills `pid` and all its descendants (found before any is killed, so none is missed when
    /// its parent dies first).
    public static func killTree(_ pid: Int32) {
        var tree = [pid]
        var next = 0
        while next < tree.count {
            tree += ChildProcesses.of(tree[next])
            next += 1
        }
        for member in tree { kill(member, SIGKILL) }
    }
}

/// A process outlived its watchdog. XCTest prints thrown errors with `String(describing:)`.
public struct ProcessTimedOut: Error, CustomStringConvertible {
    public let command: String
    public let seconds: Double
    /// Whether it was seen gone after the kill.
    public let gone: Bool

    public var description: String {
        let what = "\(command.prefix(300)) did not exit within \(Int(seconds)) s: it and every process it started were killed"
        return gone ? what : what + ", and it still had not exited after 30 s more (did a process it started escape?)"
    }
}

extension Process {
    /// `waitUntilExit()` with a watchdog: throws ``ProcessTimedOut`` after killing the process tree
    /// when it runs longer than `timeout` seconds.
    public func waitForExit(timeout: Double = ProcessWatchdog.defaultTimeout) throws {
        try ProcessWatchdog(self, timeout: timeout).wait()
    }
}
