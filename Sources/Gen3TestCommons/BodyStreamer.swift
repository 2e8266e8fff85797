import Foundation
import NIOCore
import NIOHTTP1

/// Writes one response body per its ``BodyPlan``, 64 KiB at a time, generating each chunk just
/// before it is written. Backpressure: it writes only while the channel is writable and resumes
/// when ``HTTPConnectionHandler`` sees the channel become writable again, so at most the channel's
/// write-buffer high-water mark is queued in memory however large the object is. All of it runs
/// on the channel's event loop.
final class BodyStreamer {
    private static let chunkSize = 64 * 1024

    private let context: ChannelHandlerContext
    private let plan: BodyPlan
    private let recorder: StatsRecorder
    private let keepAlive: Bool
    private var sent = 0
    private var ended = false
    private var lastWrite: EventLoopFuture<Void>?
    private var tick: Scheduled<Void>?
    /// Called once the response has ended normally (the connection may carry another request).
    var onComplete: () -> Void = {}

    init(context: ChannelHandlerContext, plan: BodyPlan, recorder: StatsRecorder, keepAlive: Bool) {
        self.context = context
        self.plan = plan
        self.recorder = recorder
        self.keepAlive = keepAlive
    }

    func start() {
        if plan.bytesPerSecond != nil { trickle() } else { pump() }
    }

    /// The channel is writable again.
    func resume() {
        if plan.bytesPerSecond == nil { pump() }
    }

    /// The client went away: stop writing and stop any timer.
    func cancel() {
        ended = true
        tick?.cancel()
        tick = nil
    }

    // MARK: - Pacing

    private func pump() {
        while !ended, sent < plan.limit, context.channel.isWritable {
            writeChunk(min(Self.chunkSize, plan.limit - sent))
        }
        if !ended, sent == plan.limit { end() }
    }

    /// One small chunk per tick, ticks scheduled on the event loop (no thread sleeps).
    private func trickle() {
        guard !ended, let rate = plan.bytesPerSecond else { return }
        let (chunk, interval) =
            rate >= 10
            ? (rate / 10, TimeAmount.milliseconds(100))
            : (1, TimeAmount.milliseconds(Int64(1000 / max(1, rate))))
        if sent < plan.limit { writeChunk(min(chunk, plan.limit - sent)) }
        if sent == plan.limit { return end() }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        tick = context.eventLoop.scheduleTask(in: interval) { bound.value.trickle() }
    }

    private func writeChunk(_ count: Int) {
        var buffer = context.channel.allocator.buffer(capacity: count)
        plan.store.write(plan.object, offset: plan.offset + sent, count: count, into: &buffer)
        if let position = plan.corruptAt, (sent..<sent + count).contains(position) {
            let index = buffer.readerIndex + position - sent
            buffer.setInteger(buffer.getInteger(at: index, as: UInt8.self)! ^ 0xff, at: index)
        }
        sent += count
        let recorder = recorder
        let guid = plan.object.guid
        let write = context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))))
        write.whenSuccess { recorder.update { $0.bytesServed[guid, default: 0] += count } }
        lastWrite = write
    }

    // MARK: - Ending

    private func end() {
        ended = true
        tick = nil
        let context = context
        // The callbacks below run on the context's event loop, the only place it may be used.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let written = lastWrite ?? context.eventLoop.makeSucceededVoidFuture()
        switch plan.ending {
        case .complete:
            let keepAlive = keepAlive
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                if !keepAlive { bound.value.close(promise: nil) }
            }
            onComplete()
        case .close:
            written.whenComplete { _ in bound.value.close(promise: nil) }
        case .reset:
            // SO_LINGER on with a zero timeout makes close(2) drop the connection with an RST instead
            // of a FIN; set it once the last body bytes have reached the kernel, then close.
            let channel = context.channel
            let eventLoop = context.eventLoop
            written.whenComplete { _ in
                let linger =
                    (channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                    ?? eventLoop.makeSucceededVoidFuture()
                linger.whenComplete { _ in bound.value.close(promise: nil) }
            }
        case .hang:
            break
        }
    }
}
