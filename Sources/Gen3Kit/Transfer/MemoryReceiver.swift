/// Collects a response in memory up to a cap: API answers are small, and a larger one is refused
/// rather than buffered (a hostile server cannot make us allocate without bound).
public final class MemoryReceiver: CurlReceiver {
    public static let defaultLimit = 1 << 20
    public private(set) var head = ResponseHead()
    public private(set) var body: [UInt8] = []
    public private(set) var exceededLimit = false
    let limit: Int

    public init(limit: Int = MemoryReceiver.defaultLimit) { self.limit = limit }

    public func receiveHeader(_ line: UnsafeRawBufferPointer) {
        head.consume(line)
        // A redirect's body is not the answer.
        if line.starts(with: "HTTP/".utf8) { body.removeAll(keepingCapacity: true) }
    }

    public func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// The body as text, for error messages: cut short and stripped of control characters.
    public func bodySnippet(maxLength: Int = 300) -> String { ResponseText.snippet(body, maxLength: maxLength) }
}
