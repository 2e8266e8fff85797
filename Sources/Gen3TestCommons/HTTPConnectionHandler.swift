import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection to either listener: gathers each request, asks the listener's responder
/// for a reply and writes it, streaming bodies through a ``BodyStreamer``. NIO's server pipeline
/// in front of it holds back pipelined requests until the current response has ended.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Request bodies are credentials JSON; anything bigger is cut here rather than buffered.
    private static let maximumBodySize = 1 << 20

    private let responder: any HTTPResponder
    private let recorder: StatsRecorder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var streamer: BodyStreamer?
    /// The address the listener was bound to, as configured (a name or an address).
    private let host: String
    /// `http://host:port` of the listener that accepted this connection, as its endpoint reads.
    private var listener = ""

    init(responder: any HTTPResponder, recorder: StatsRecorder, host: String) {
        self.responder = responder
        self.recorder = recorder
        self.host = host
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(var buffer):
            let room = max(0, Self.maximumBodySize - body.count)
            if let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { body += bytes }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let request = HTTPRequest(head: requestHead, body: body)
            body = []
            if let authorization = request.header("Authorization") {
                let issuer = TestJWT.unverifiedIssuer(ofAuthorization: authorization) ?? ""
                recorder.update { $0.authorizations[listener, default: [:]][issuer, default: 0] += 1 }
            }
            switch responder.reply(to: request) {
            case .response(let response): send(response, for: requestHead, context: context)
            case .streamed(let responseHead, let plan): stream(responseHead, plan, for: requestHead, context: context)
            case .held(let response, let gate): hold(response, until: gate, for: requestHead, context: context)
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { streamer?.resume() }
        context.fireChannelWritabilityChanged()
    }

    func channelActive(context: ChannelHandlerContext) {
        listener = ListenerGroup.url(host, port: context.channel.localAddress?.port ?? 0)
        recorder.update {
            $0.openConnections += 1
            $0.connectionsAccepted += 1
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        streamer?.cancel()
        streamer = nil
        recorder.update { $0.openConnections -= 1 }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A client going away mid-body (EPIPE, ECONNRESET) lands here; there is nobody left to answer.
        context.close(promise: nil)
    }

    // MARK: - Writing

    private func send(_ response: HTTPResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = request.isKeepAlive
        var head = HTTPResponseHead(version: request.version, status: response.status, headers: response.headers)
        Self.markConnection(&head, keepAlive: keepAlive)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { bound.value.close(promise: nil) }
        }
    }

    private func hold(_ response: HTTPResponse, until gate: TokenGate, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let recorder = recorder
        loop.scheduleTask(in: .milliseconds(Int64(gate.timeout * 1000))) {
            if gate.open() { recorder.update { $0.tokensReleasedByTimeout += 1 } }
        }
        gate.whenOpen {
            loop.execute { bound.value.handler.send(response, for: request, context: bound.value.context) }
        }
    }

    private func stream(
        _ responseHead: HTTPResponseHead, _ plan: BodyPlan, for request: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        var head = responseHead
        // HTTP/1.1 without a length would be sent chunked; HTTP/1.0 is delimited by the close.
        head.version = plan.closeDelimited ? .http1_0 : request.version
        Self.markConnection(&head, keepAlive: request.isKeepAlive && !plan.closeDelimited)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let streamer = BodyStreamer(context: context, plan: plan, recorder: recorder, keepAlive: request.isKeepAlive)
        self.streamer = streamer
        streamer.onComplete = { [weak self, weak streamer] in
            if let self, self.streamer === streamer { self.streamer = nil }
        }
        streamer.start()
    }

    private static func markConnection(_ head: inout HTTPResponseHead, keepAlive: Bool) {
        if !keepAlive {
            head.headers.replaceOrAdd(name: "Connection", value: "close")
        } else if head.version == .http1_0 {
            head.headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
    }
}
