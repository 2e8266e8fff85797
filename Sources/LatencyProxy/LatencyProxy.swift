import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy that puts a distant network between its clients and a target on this machine:
/// each connection it accepts waits a connection setup delay, then carries bytes both ways half a
/// round trip late, with at most a window of bytes in flight each way (`LatencySettings`). The
/// benchmark puts one in front of the control plane and one in front of storage; tests put one
/// in front of the test commons' storage host.
///
/// ```swift
/// let proxy = try LatencyProxy.start(
///     listen: ProxyAddress(host: "127.0.0.1", port: 0), target: nil,
///     settings: LatencySettings(roundTrip: .milliseconds(40), window: 4 << 20))
/// proxy.target = storage  // may be set after it starts: connections accepted before are dropped
/// defer { proxy.stop() }
/// ```
package final class LatencyProxy: Sendable {
    package let settings: LatencySettings
    /// Where it listens, with the port the system chose for port 0.
    package let address: ProxyAddress
    private let group: MultiThreadedEventLoopGroup
    private let listener: Channel
    private let targetBox: NIOLockedValueBox<ProxyAddress?>

    private init(
        settings: LatencySettings, address: ProxyAddress, group: MultiThreadedEventLoopGroup, listener: Channel,
        targetBox: NIOLockedValueBox<ProxyAddress?>
    ) {
        self.settings = settings
        self.address = address
        self.group = group
        self.listener = listener
        self.targetBox = targetBox
    }

    /// Binds `listen` and starts accepting; `threads` event loops share the connections.
    package static func start(listen: ProxyAddress, target: ProxyAddress?, settings: LatencySettings, threads: Int = 2) throws
        -> LatencyProxy
    {
        try settings.validate()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let targetBox = NIOLockedValueBox(target)
        do {
            let listener = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 1024)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.autoRead, value: false)
                .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
                .childChannelOption(ChannelOptions.recvAllocator, value: readAllocator(settings))
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let connection = ProxiedConnection(
                            client: channel, settings: settings, target: targetBox.withLockedValue { $0 })
                        try channel.pipeline.syncOperations.addHandler(RelayHandler(line: connection.outbound, connection: connection))
                    }
                }
                .bind(host: listen.host, port: listen.port).wait()
            let address = ProxyAddress(host: listen.host, port: listener.localAddress?.port ?? listen.port)
            return LatencyProxy(settings: settings, address: address, group: group, listener: listener, targetBox: targetBox)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Where accepted connections go; nil drops them.
    package var target: ProxyAddress? {
        get { targetBox.withLockedValue { $0 } }
        set { targetBox.withLockedValue { $0 = newValue } }
    }

    /// `http://host:port` of the listener, for URLs that should go through the proxy.
    package var url: String { "http://\(address)" }

    /// Stops accepting, drops the open connections and stops the event loops. Call once.
    package func stop() {
        try? listener.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// The options of the connections to the target, matching the accepted ones'.
    static func configure(_ bootstrap: ClientBootstrap, _ settings: LatencySettings) -> ClientBootstrap {
        bootstrap
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .channelOption(ChannelOptions.recvAllocator, value: readAllocator(settings))
    }

    /// Reads grow to `readSize` under load and shrink again for a trickle of small requests.
    private static func readAllocator(_ settings: LatencySettings) -> AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: min(64 << 10, settings.readSize), maximum: settings.readSize)
    }
}
