/// Takes the storage host's answer to one range request (`Range: bytes=a-b`) of a `RangedSink`:
/// a 206 that starts at `a` goes into its range; a 200 is the whole file (the host ignored Range)
/// and is refused at its first byte, so the file can go on with one connection; anything else is
/// kept (a little) in memory as the error to report.
///
/// A range's bytes are gathered into writes of up to `stageSize`: curl hands a body over in pieces
/// of 16 KiB, and a write per piece (a system call, and a wake-up of the hashing thread) cost more
/// than copying the bytes. Gathered bytes are not in the file, so the range's `done` leaves them
/// out until `flush` writes them, which the executor does when the request ends.
final class RangeReceiver: CurlReceiver {
    /// Bytes gathered per request before they are written.
    static let stageSize = 256 << 10
    private(set) var head = ResponseHead()
    let sink: RangedSink
    /// The range of `sink` this request continues.
    let index: Int
    /// The offset asked for.
    let requestedFrom: Int64
    /// The start of a non-2xx body (e.g. S3's XML error), for the message.
    private(set) var errorBody: [UInt8] = []
    /// The answer was 200: the whole file, not the range.
    private(set) var ignoredRange = false
    /// A 206 that does not start where the range goes on.
    private(set) var rangeMismatch = false
    private var decided = false
    private var accepting = false
    /// The worker's `--limit-rate` bucket, if it has one.
    let limiter: RateLimiter?
    /// Bytes of the range received and not yet written, at most `capacity`; allocated with the
    /// first byte.
    private var stage: UnsafeMutableRawBufferPointer?
    private var staged = 0
    /// A stage, or a checkpoint step when that is smaller: what is gathered may always be written.
    private let capacity: Int

    init(sink: RangedSink, index: Int, requestedFrom: Int64, limiter: RateLimiter? = nil) {
        self.sink = sink
        self.index = index
        self.requestedFrom = requestedFrom
        self.limiter = limiter
        capacity = Int(min(Int64(Self.stageSize), max(1, sink.checkpointStep)))
    }

    deinit { stage?.deallocate() }

    /// The transfer is paused until the job database records the range (`RangedSink.mayWrite`).
    private(set) var waitsForRecord = false

    /// The sink is asked first: a range paused for its record takes nothing from the bucket.
    func mayReceive(_ count: Int) -> Bool {
        if head.status == 206 {
            // What was gathered goes to the file when the stage is full, and before the range
            // waits for its record, which can only follow bytes in the file. A failed write makes
            // `receiveBody` refuse the bytes.
            if staged + count > capacity && !flush() { return true }
            if !sink.mayWrite(staged + count, range: index) {
                guard flush() else { return true }
                waitsForRecord = !sink.mayWrite(count, range: index)
                if waitsForRecord { return false }
            }
        }
        return limiter?.take(count) ?? true
    }

    /// Writes the gathered bytes to the range (the executor calls it when the request ends);
    /// false when the sink has failed.
    @discardableResult
    func flush() -> Bool {
        guard staged > 0, let stage else { return sink.failure == nil }
        defer { staged = 0 }
        return sink.write(UnsafeRawBufferPointer(rebasing: stage[0..<staged]), range: index)
    }

    /// Gathers `bytes` for the range; `mayReceive` has made room for them, unless they are more
    /// than a stage holds, which go to the file at once.
    private func gather(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard sink.failure == nil else { return false }
        if staged + bytes.count > capacity { return flush() && sink.write(bytes, range: index) }
        let stage = self.stage ?? .allocate(byteCount: capacity, alignment: 16)
        self.stage = stage
        UnsafeMutableRawBufferPointer(rebasing: stage[staged..<staged + bytes.count]).copyMemory(from: bytes)
        staged += bytes.count
        return true
    }

    func receiveHeader(_ line: UnsafeRawBufferPointer) {
        head.consume(line)
        if line.starts(with: "HTTP/".utf8) {
            decided = false
            errorBody.removeAll()
        }
    }

    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !decided {
            decided = true
            switch head.status {
            case 206:
                guard head.rangeStart == requestedFrom else {
                    rangeMismatch = true
                    return false
                }
                accepting = true
            case 200:
                ignoredRange = true
                return false
            default:
                accepting = false
            }
        }
        if accepting { return gather(bytes) }
        if errorBody.count < 4096 { errorBody.append(contentsOf: bytes.prefix(4096 - errorBody.count)) }
        return true
    }

    /// The error body as short printable text.
    var errorSnippet: String { ResponseText.snippet(errorBody, maxLength: 300) }
}
