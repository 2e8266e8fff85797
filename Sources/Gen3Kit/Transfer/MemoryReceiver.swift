/// Collects a response in memory up to a cap: API answers are small, and a larger one is refused
/// rather than buffered (a hostile server cannot make us allocate without bound).
package final class MemoryReceiver: CurlReceiver {
    package static let defaultLimit = 1 << 20
    package private(set) var head = ResponseHead()
    package private(set) var body: [UInt8] = []
    package private(set) var exceededLimit = false
    let limit: Int

    package init(limit: Int = MemoryReceiver.defaultLimit) { self.limit = limit }

    package func receiveHeader(_ line: UnsafeRawBufferPointer) {
        head.consume(line)
        // A redirect's body is not the answer.
        if line.starts(with: "HTTP/".utf8) { body.removeAll(keepingCapacity: true) }
    }

    package func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// The body as text, for error messages: cut short and stripped of control characters.
    package func bodySnippet(maxLength: Int = 300) -> String { ResponseText.snippet(body, maxLength: maxLength) }
}
