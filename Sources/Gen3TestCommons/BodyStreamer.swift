import NIOCore
import NIOHTTP1
import NIOPosix

/// Writes an object's body a chunk at a time, the next chunk only once the last one is written,
/// so a large object never sits in memory; applies the body faults (cut short, reset, corrupt,
/// extra bytes, trickle).
final class BodyStreamer {
    let context: ChannelHandlerContext
    let handler: RequestHandler
    let commons: TestCommons
    let object: TestObject
    let start: Int, declared: Int, limit: Int, chunk: Int
    let delay: TimeAmount?
    let corrupt: Bool, reset: Bool, keepAlive: Bool
    private var sent = 0

    init(context: ChannelHandlerContext, handler: RequestHandler, commons: TestCommons, object: TestObject, start: Int,
         declared: Int, limit: Int, chunk: Int, delay: TimeAmount?, corrupt: Bool, reset: Bool, keepAlive: Bool) {
        self.context = context
        self.handler = handler
        self.commons = commons
        self.object = object
        self.start = start
        self.declared = declared
        self.limit = limit
        self.chunk = chunk
        self.delay = delay
        self.corrupt = corrupt
        self.reset = reset
        self.keepAlive = keepAlive
    }

    func step() {
        guard sent < limit else { return finish() }
        let count = min(chunk, limit - sent)
        let offset = start + sent
        // Bytes past the object's end (the extra-bytes fault) are zeros.
        let real = max(0, min(count, object.size - offset))
        var bytes = real > 0 ? commons.store.bytes(object, offset: offset, count: real) : []
        if bytes.count < count { bytes += [UInt8](repeating: 0, count: count - bytes.count) }
        if corrupt, sent == 0, !bytes.isEmpty { bytes[bytes.count / 2] ^= 0xff }
        sent += count
        let guid = object.guid
        commons.recorder.update { $0.bytesServed[guid, default: 0] += count }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(buffer)))).whenComplete { result in
            guard case .success = result else { return self.context.close(promise: nil) }
            if let delay = self.delay {
                self.context.eventLoop.scheduleTask(in: delay) { self.step() }
            } else {
                self.step()
            }
        }
    }

    private func finish() {
        if limit < declared {
            // Cut short: a reset (RST, via SO_LINGER 0) or a clean close, both before the declared length.
            let context = context
            if reset, let provider = context.channel as? SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in context.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
            return
        }
        let keepAlive = keepAlive, context = context
        context.writeAndFlush(handler.wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
