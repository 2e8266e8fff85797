#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT/SIGTERM, noted by an async-signal-safe handler and read by the loops that must stop.
package enum StopSignal {
    // A raw allocation: the handler only stores an Int32, which is async-signal-safe. Unchecked:
    // one aligned Int32, written by the handler and read by the loops, needs no lock.
    nonisolated(unsafe) private static let received: UnsafeMutablePointer<Int32> = {
        let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// Installs the handlers; the same signal a second time while stopping ends the process at once.
    package static func install() {
        _ = received
        Glibc.signal(SIGINT, stopHandler)
        Glibc.signal(SIGTERM, stopHandler)
        Glibc.signal(SIGPIPE, SIG_IGN)
        // Past a file size limit, write(2) should fail with EFBIG (a clear error), not kill us.
        Glibc.signal(SIGXFSZ, SIG_IGN)
    }

    /// The signal number that asked us to stop, or 0.
    package static var number: Int32 { received.pointee }
    package static var requested: Bool { received.pointee != 0 }

    /// The conventional exit status for a stop by `signal`: 130 for SIGINT, 143 for SIGTERM.
    package static var exitStatus: Int32 { 128 + received.pointee }

    fileprivate static func note(_ number: Int32) {
        let first = received.pointee
        if first != 0 {
            // The same signal again (a second Ctrl-C) means leave now: safe, because nothing
            // unverified ever has its final name. A different one is the supervisor forwarding
            // SIGTERM after the terminal's SIGINT already reached us: keep stopping gracefully.
            if number == first { _exit(128 + number) }
            return
        }
        received.pointee = number
    }
}

private let stopHandler: @convention(c) (Int32) -> Void = { number in StopSignal.note(number) }
