import Digest
#if canImport(Glibc)
import Glibc
#endif

/// What a part file is hashed with while it is written.
protocol StreamingMD5: AnyObject {
    func update(_ bytes: UnsafeRawBufferPointer)
    /// The lowercase hex digest; the stream is spent afterwards.
    func finalize() -> String
}

extension MD5: StreamingMD5 {}

/// MD5 on a thread of its own, for large files: the transfer loop only copies each chunk into a
/// buffer, and the hashing (about 1.5 s of CPU per GiB, more than the rest of the transfer) runs on
/// another core. A few buffers bound the memory; a full set makes the writer wait.
final class BackgroundMD5: StreamingMD5 {
    static let bufferSize = 256 << 10
    static let bufferCount = 3

    private let md5 = MD5()
    private let lock = ConditionLock()
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var queued: [(buffer: UnsafeMutableRawBufferPointer, count: Int)] = []
    private var closing = false
    private var filling: UnsafeMutableRawBufferPointer
    private var filled = 0
    private var thread: JoinableThread?

    init() {
        filling = .allocate(byteCount: Self.bufferSize, alignment: 64)
        free = (1..<Self.bufferCount).map { _ in .allocate(byteCount: Self.bufferSize, alignment: 64) }
        let hasher = Unmanaged.passUnretained(self)
        thread = JoinableThread { hasher.takeUnretainedValue().loop() }
    }

    deinit {
        stop()
        filling.deallocate()
        for buffer in free { buffer.deallocate() }
        for entry in queued { entry.buffer.deallocate() }
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let count = min(Self.bufferSize - filled, bytes.count - offset)
            UnsafeMutableRawBufferPointer(rebasing: filling[filled..<(filled + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
            filled += count
            offset += count
            if filled == Self.bufferSize { handOver() }
        }
    }

    func finalize() -> String {
        if filled > 0 { handOver() }
        stop()
        return md5.finalize()
    }

    /// Queues the filled buffer and takes a free one, waiting for the hasher if there is none.
    private func handOver() {
        filling = lock.locked {
            queued.append((filling, filled))
            lock.broadcast()
            while free.isEmpty { lock.wait() }
            return free.removeLast()
        }
        filled = 0
    }

    /// Lets the thread hash what is queued, then joins it.
    private func stop() {
        guard let thread else { return }
        lock.locked {
            closing = true
            lock.broadcast()
        }
        thread.join()
        self.thread = nil
    }

    private func loop() {
        while true {
            let next: (buffer: UnsafeMutableRawBufferPointer, count: Int)? = lock.locked {
                while queued.isEmpty && !closing { lock.wait() }
                return queued.isEmpty ? nil : queued.removeFirst()
            }
            guard let next else { return }
            md5.update(UnsafeRawBufferPointer(rebasing: next.buffer[0..<next.count]))
            lock.locked {
                free.append(next.buffer)
                lock.broadcast()
            }
        }
    }
}
