/// Takes the storage host's answer to one range request (`Range: bytes=a-b`) of a `RangedSink`:
/// a 206 that starts at `a` goes into its range; a 200 is the whole file (the host ignored Range)
/// and is refused at its first byte, so the file can go on with one connection; anything else is
/// kept (a little) in memory as the error to report.
final class RangeReceiver: CurlReceiver {
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

    init(sink: RangedSink, index: Int, requestedFrom: Int64, limiter: RateLimiter? = nil) {
        self.sink = sink
        self.index = index
        self.requestedFrom = requestedFrom
        self.limiter = limiter
    }

    /// The transfer is paused until the job database records the range (`RangedSink.mayWrite`).
    private(set) var waitsForRecord = false

    /// The sink is asked first: a range paused for its record takes nothing from the bucket.
    func mayReceive(_ count: Int) -> Bool {
        waitsForRecord = head.status == 206 && !sink.mayWrite(count, range: index)
        if waitsForRecord { return false }
        return limiter?.take(count) ?? true
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
        if accepting { return sink.write(bytes, range: index) }
        if errorBody.count < 4096 { errorBody.append(contentsOf: bytes.prefix(4096 - errorBody.count)) }
        return true
    }

    /// The error body as short printable text.
    var errorSnippet: String { ResponseText.snippet(errorBody, maxLength: 300) }
}
