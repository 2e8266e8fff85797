import NIOCore

/// The last handler of each of a proxied connection's two channels: hands what the channel reads to
/// the `DelayLine` it is the source of, and tells the connection when the channel goes away.
final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let line: DelayLine
    private let connection: ProxiedConnection

    init(line: DelayLine, connection: ProxiedConnection) {
        self.line = line
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.channelActive(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        line.received(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        line.readComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            line.sourceEnded()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        line.sourceFailed()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // An error (a reset) has been reported to `errorCaught` by now; what is left is an orderly
        // end. NIO closes a channel whose output is shut when its input ends, without an
        // `inputClosed` event; after one, or after the proxy's own close, this changes nothing.
        line.sourceEnded()
        context.fireChannelInactive()
    }
}
