/// Takes a storage response: a 200 or a 206 that continues exactly where the part file ends goes
/// to the sink; anything else is kept (a little) in memory as the error to report.
package final class DownloadReceiver: CurlReceiver {
    package private(set) var head = ResponseHead()
    package let sink: any FileSink
    /// The offset asked for with `Range`, 0 for a whole-file request.
    package let requestedFrom: Int64
    /// The start of a non-2xx body (e.g. S3's XML error), for the message.
    package private(set) var errorBody: [UInt8] = []
    /// A 206 that does not start where our part file ends.
    package private(set) var rangeMismatch = false
    private var decided = false
    private var accepting = false
    /// The worker's `--limit-rate` bucket, if it has one.
    let limiter: RateLimiter?

    package init(sink: any FileSink, requestedFrom: Int64, limiter: RateLimiter? = nil) {
        self.sink = sink
        self.requestedFrom = requestedFrom
        self.limiter = limiter
    }

    package func mayReceive(_ count: Int) -> Bool { limiter?.take(count) ?? true }

    package func receiveHeader(_ line: UnsafeRawBufferPointer) {
        head.consume(line)
        if line.starts(with: "HTTP/".utf8) {
            decided = false
            errorBody.removeAll()
        }
    }

    package func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !decided && !decide() { return false }
        if accepting { return sink.write(bytes) }
        if errorBody.count < 4096 { errorBody.append(contentsOf: bytes.prefix(4096 - errorBody.count)) }
        return true
    }

    private func decide() -> Bool {
        decided = true
        switch head.status {
        case 200:
            // The whole file: drop any prefix we kept.
            if sink.written > 0 {
                do { try sink.restart() } catch { return false }
            }
            accepting = true
        case 206:
            guard head.rangeStart == sink.written else {
                rangeMismatch = true
                return false
            }
            accepting = true
        default:
            accepting = false
        }
        return true
    }

    /// The error body as short printable text.
    package var errorSnippet: String { ResponseText.snippet(errorBody, maxLength: 300) }
}
