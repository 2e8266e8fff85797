import NIOCore
import NIOPosix

/// One client connection and the one the proxy opens to the target for it, on the client's event
/// loop. Nothing moves until the connection setup delay has passed and the target has accepted;
/// then each direction runs through its own `DelayLine`. Once both directions have ended, both
/// channels close; when either side drops (or the target refuses), the other is reset.
final class ProxiedConnection {
    private let client: Channel
    private let settings: LatencySettings
    private let target: ProxyAddress?
    private var server: Channel?
    /// Client to target, and target to client.
    let outbound: DelayLine
    let inbound: DelayLine
    private var setupOver = false
    private var ended = 0
    private var closed = false

    init(client: Channel, settings: LatencySettings, target: ProxyAddress?) {
        self.client = client
        self.settings = settings
        self.target = target
        outbound = DelayLine(settings: settings, eventLoop: client.eventLoop)
        inbound = DelayLine(settings: settings, eventLoop: client.eventLoop)
        for line in [outbound, inbound] {
            line.onFinished = { [weak self] item in self?.finished(item) }
        }
    }

    /// Called by each channel's `RelayHandler`; the client's starts the setup.
    func channelActive(_ channel: Channel) {
        guard channel === client else { return }
        guard let target else { return drop() }
        let connection = NIOLoopBound(self, eventLoop: client.eventLoop)
        client.eventLoop.scheduleTask(in: settings.connectionSetup) {
            connection.value.setupOver = true
            connection.value.startIfReady()
        }
        LatencyProxy.configure(ClientBootstrap(group: client.eventLoop), settings)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayHandler(line: connection.value.inbound, connection: connection.value))
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    connection.value.server = channel
                    connection.value.startIfReady()
                case .failure:
                    connection.value.drop()
                }
            }
    }

    private func startIfReady() {
        guard setupOver, let server, !closed else { return }
        outbound.start(from: client, to: server)
        inbound.start(from: server, to: client)
    }

    private func finished(_ item: DelayLine.Item) {
        switch item {
        case .end:
            ended += 1
            if ended == 2 { close(reset: false) }
        case .reset, .bytes:
            close(reset: true)
        }
    }

    private func drop() { close(reset: true) }

    /// Closes both channels; with `reset`, with an RST rather than a FIN, as the dropped side did.
    private func close(reset: Bool) {
        guard !closed else { return }
        closed = true
        outbound.stop()
        inbound.stop()
        for channel in [client, server].compactMap({ $0 }) {
            if reset, let socket = channel as? SocketOptionProvider {
                // SO_LINGER with a zero timeout: close(2) sends an RST instead of a FIN.
                socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
    }
}
