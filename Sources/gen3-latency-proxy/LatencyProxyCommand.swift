import ArgumentParser
import Foundation
import LatencyProxy
import NIOCore

/// `gen3-latency-proxy`: a distant network between a client and a server on this machine, for the
/// benchmark and scripts (this kernel has no netem). Serves until SIGINT or SIGTERM, then exits 0.
struct LatencyProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen3-latency-proxy",
        abstract: "Forward TCP connections to a target with a round-trip delay and a cap on bytes in flight.",
        discussion: """
            Each connection waits --connect-ms before it carries anything, every byte arrives half of --rtt-ms late \
            in either direction, and each direction has at most --window bytes in flight (read from the sender and \
            not yet acknowledged), so one connection moves at most --window bytes per round trip. Prints \
            "gen3-latency-proxy listening on <host:port>" once it accepts connections.
            """)

    @Option(help: "host:port to listen on; port 0 picks a free one.")
    var listen: String = "127.0.0.1:0"

    @Option(help: "host:port each accepted connection is forwarded to.")
    var target: String

    @Option(help: "Round trip in milliseconds: each direction delays bytes by half of it.")
    var rttMs: Double = 40

    @Option(help: "Delay before a new connection carries anything, in milliseconds (default: one round trip).")
    var connectMs: Double?

    @Option(help: "Bytes in flight per connection and direction: 4194304, 4MiB, 512KiB.")
    var window = "4MiB"

    @Option(help: "Event loop threads.")
    var threads = 2

    @Option(help: "Once listening, write host:port to this path (atomically, by rename), so scripts can wait for the file.")
    var readyFile: String?

    /// The settings the options describe.
    func settings() throws -> LatencySettings {
        guard let bytes = LatencySettings.byteCount(window) else {
            throw ValidationError("--window takes a byte count such as 4194304, 4MiB or 512KiB, not \(window)")
        }
        let settings = LatencySettings(
            roundTrip: Self.milliseconds(rttMs), connectionSetup: connectMs.map(Self.milliseconds), window: bytes)
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.localizedDescription)
        }
        return settings
    }

    func addresses() throws -> (listen: ProxyAddress, target: ProxyAddress) {
        guard let listenAddress = ProxyAddress(listen) else { throw ValidationError("--listen takes host:port, not \(listen)") }
        guard let targetAddress = ProxyAddress(target) else { throw ValidationError("--target takes host:port, not \(target)") }
        return (listenAddress, targetAddress)
    }

    func validate() throws {
        _ = try settings()
        _ = try addresses()
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let settings = try settings()
        let (listenAddress, targetAddress) = try addresses()
        // Blocked before the event loop threads exist, so they inherit the mask and the signals
        // wait for sigwait below instead of killing the process.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let proxy = try LatencyProxy.start(listen: listenAddress, target: targetAddress, settings: settings, threads: threads)
        if let readyFile { try Self.writeAtomically("\(proxy.address)\n", to: readyFile) }
        print("gen3-latency-proxy listening on \(proxy.address)")
        print(
            "forwarding to \(targetAddress): round trip \(rttMs) ms, connection setup \(connectMs ?? rttMs) ms, "
                + "\(settings.window) bytes in flight per connection and direction")
        fflush(nil) // every output stream: stdout is global C state Swift 6 will not touch

        var received: Int32 = 0
        sigwait(&signals, &received)
        proxy.stop()
    }

    private static func milliseconds(_ value: Double) -> TimeAmount { .nanoseconds(Int64((value * 1_000_000).rounded())) }

    /// Writes to a temporary file beside `path`, then renames it over `path`: readers see all or nothing.
    private static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ValidationError("Cannot write --ready-file \(path): \(reason)")
        }
    }
}
