import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/1.1 listeners on loopback sharing one event loop group: a commons' control plane and
/// storage host, or a federation's resolver and WTS. Stopping closes them all.
final class ListenerGroup: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channels = NIOLockedValueBox<[Channel]?>([])

    init(threads: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    /// Binds `host:port` (0 picks a free port) and answers each request with `responder`, counting
    /// connections and `Authorization` headers in `recorder`; returns `http://host:port`.
    func listen(host: String, port: Int, responder: any HTTPResponder, recorder: StatsRecorder) throws -> String {
        // Several worker processes open up to 256 connections each at once: a shorter queue of
        // pending connections overflows, and the client's retried SYN waits a whole second.
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 4096)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPConnectionHandler(responder: responder, recorder: recorder, host: host))
                }
            }
            .bind(host: host, port: port).wait()
        let kept = channels.withLockedValue { channels -> Bool in
            channels?.append(channel)
            return channels != nil
        }
        // Stopped while binding: the new listener must not outlive the group.
        if !kept { try? channel.close().wait() }
        return Self.url(host, port: channel.localAddress?.port ?? 0)
    }

    /// `http://host:port`, with brackets around an IPv6 address.
    static func url(_ host: String, port: Int) -> String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Closes the listeners and their open connections and stops the event loops. Idempotent.
    func stop() {
        guard
            let channels = channels.withLockedValue({ channels -> [Channel]? in
                defer { channels = nil }
                return channels
            })
        else { return }
        if MultiThreadedEventLoopGroup.currentEventLoop != nil {
            // On one of our own event loops: waiting there would deadlock, so let it wind down alone.
            for channel in channels { channel.close(promise: nil) }
            group.shutdownGracefully { _ in }
            return
        }
        for channel in channels { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }
}
