import NIOCore

/// One direction of a proxied connection. What is read from the source reaches the destination half
/// a round trip later, and counts against the window until its acknowledgement would be back: half
/// a round trip after the destination's socket took it. A read is asked of the source only while
/// the window has room for a whole one, so the source's bytes wait in its own socket, as a TCP
/// sender's wait for acknowledgements, and the direction carries at most `window` bytes per round
/// trip. Lives on the connection's event loop.
final class DelayLine {
    /// What travels down the line.
    enum Item {
        case bytes(ByteBuffer)
        /// The source finished sending: the destination's output is shut once the bytes before it are written.
        case end
        /// The source went away without finishing (reset, or an error): the connection is dropped.
        case reset
    }

    private let settings: LatencySettings
    private let eventLoop: EventLoop
    private var source: Channel?
    private var destination: Channel?
    private var queue = CircularBuffer<(item: Item, due: NIODeadline)>()
    private var acknowledgements = CircularBuffer<(count: Int, due: NIODeadline)>()
    /// Bytes read from the source whose acknowledgement is not back yet.
    private var inFlight = 0
    private var reading = false
    private var sourceFinished = false
    private var delivery: Scheduled<Void>?
    private var acknowledging: Scheduled<Void>?
    /// The last batch handed to the destination, done once its socket has taken it.
    private var lastWrite: EventLoopFuture<Void>?
    /// Called once `end` or `reset` has been carried out at the destination.
    var onFinished: (Item) -> Void = { _ in }

    init(settings: LatencySettings, eventLoop: EventLoop) {
        self.settings = settings
        self.eventLoop = eventLoop
    }

    /// Starts carrying bytes once the connection is set up.
    func start(from source: Channel, to destination: Channel) {
        self.source = source
        self.destination = destination
        askForMore()
        if !queue.isEmpty { scheduleDelivery() }
    }

    /// Stops everything (the connection is being dropped).
    func stop() {
        delivery?.cancel()
        acknowledging?.cancel()
        delivery = nil
        acknowledging = nil
        queue.removeAll()
        sourceFinished = true
    }

    // MARK: - From the source

    func received(_ buffer: ByteBuffer) {
        inFlight += buffer.readableBytes
        enqueue(.bytes(buffer))
    }

    /// The read asked for is over (it may have read nothing).
    func readComplete() {
        reading = false
        askForMore()
    }

    /// The source sent its last byte (a FIN).
    func sourceEnded() {
        guard !sourceFinished else { return }
        sourceFinished = true
        enqueue(.end)
    }

    /// The source failed or closed without a FIN.
    func sourceFailed() {
        guard !sourceFinished else { return }
        sourceFinished = true
        enqueue(.reset)
    }

    private func enqueue(_ item: Item) {
        queue.append((item, .now() + settings.oneWay))
        if delivery == nil && destination != nil { scheduleDelivery() }
    }

    private func askForMore() {
        guard let source, !reading, !sourceFinished, inFlight + settings.readSize <= settings.window else { return }
        reading = true
        source.read()
    }

    // MARK: - To the destination

    private func scheduleDelivery() {
        guard let due = queue.first?.due else { return }
        let line = NIOLoopBound(self, eventLoop: eventLoop)
        delivery = eventLoop.scheduleTask(deadline: due) { line.value.deliver() }
    }

    private func deliver() {
        delivery = nil
        guard let destination else { return }
        let now = NIODeadline.now()
        var batch: [ByteBuffer] = []
        var count = 0
        while let head = queue.first, head.due <= now {
            queue.removeFirst()
            switch head.item {
            case .bytes(let buffer):
                batch.append(buffer)
                count += buffer.readableBytes
            case .end:
                write(batch, count: count, to: destination)
                batch = []
                count = 0
                shutOutput(of: destination)
            case .reset:
                write(batch, count: count, to: destination)
                onFinished(.reset)
                return
            }
        }
        write(batch, count: count, to: destination)
        scheduleDelivery()
    }

    /// Writes a batch; once the destination's socket has taken all of it, its acknowledgement starts
    /// back, due half a round trip later.
    private func write(_ batch: [ByteBuffer], count: Int, to destination: Channel) {
        guard let last = batch.last else { return }
        for buffer in batch.dropLast() { destination.write(buffer, promise: nil) }
        let written = eventLoop.makePromise(of: Void.self)
        destination.writeAndFlush(last, promise: written)
        lastWrite = written.futureResult
        let line = NIOLoopBound(self, eventLoop: eventLoop)
        let oneWay = settings.oneWay
        written.futureResult.whenComplete { _ in line.value.acknowledge(count, due: .now() + oneWay) }
    }

    /// Shuts the destination's output once every write before it is done; then this direction is
    /// over. It waits itself: where the destination has already seen the other side's FIN, NIO makes
    /// the shutdown a full close, which drops writes still queued.
    private func shutOutput(of destination: Channel) {
        let line = NIOLoopBound(self, eventLoop: eventLoop)
        (lastWrite ?? eventLoop.makeSucceededVoidFuture()).whenComplete { _ in
            destination.close(mode: .output).whenComplete { _ in line.value.onFinished(.end) }
        }
    }

    private func acknowledge(_ count: Int, due: NIODeadline) {
        acknowledgements.append((count, due))
        if acknowledging == nil { scheduleAcknowledgement() }
    }

    private func scheduleAcknowledgement() {
        guard let due = acknowledgements.first?.due else { return }
        let line = NIOLoopBound(self, eventLoop: eventLoop)
        acknowledging = eventLoop.scheduleTask(deadline: due) { line.value.acknowledged() }
    }

    private func acknowledged() {
        acknowledging = nil
        let now = NIODeadline.now()
        while let head = acknowledgements.first, head.due <= now {
            acknowledgements.removeFirst()
            inFlight -= head.count
        }
        askForMore()
        scheduleAcknowledgement()
    }
}
