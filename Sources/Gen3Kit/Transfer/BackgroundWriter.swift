import CLinux
import Digest

#if canImport(Glibc)
    import Glibc
#endif

/// Hashes and writes a large file's body on two threads of its own. The transfer loop only copies
/// each chunk into one of a few aligned buffers; one thread updates the md5 (more CPU than the rest
/// of the transfer) while the other writes the buffer at its offset, with
/// `O_DIRECT` where the file system allows it; a buffer is reused once both are done with it. A
/// direct write goes to the disk once, without the page-cache copy and the writeback that a later
/// sync waits for, which through the page cache takes far longer. A full set of buffers makes the
/// loop wait.
///
/// Buffers are 1 MiB: the disk takes fewer, larger writes faster. Each file gets up to four,
/// as long as all files' buffers stay within `bufferBudget`, and never fewer than two (one
/// filling while the other is hashed and written): four large files get four each, sixteen
/// large files at once two each.
final class BackgroundWriter {
    static let bufferSize = 1 << 20
    static let maxBufferCount = 4
    static let minBufferCount = 2
    static let bufferBudget = MemoryBudget.largeBodyBuffers
    /// Offsets, lengths and addresses of direct writes are multiples of this.
    static let alignment = 4096

    /// How many buffers this file has (see `bufferCount(alongside:)`).
    let bufferCount: Int
    /// What the two threads share. They hold it, not this object, so that dropping this object
    /// (a transfer given up without `finish`) still stops them: its deinit can run.
    private let shared: Shared
    private var filling: UnsafeMutableRawBufferPointer
    private var filled = 0
    private var capacity: Int
    private var nextOffset: Int64
    private var threads: [JoinableThread] = []
    private var digest: String?

    private static let liveLock = ConditionLock()
    // Guarded by `liveLock`.
    nonisolated(unsafe) private static var live = 0

    /// Files whose buffers are allocated now.
    static var liveWriters: Int { liveLock.locked { live } }

    /// Buffers for a file that starts while `others` files hold theirs.
    static func bufferCount(alongside others: Int) -> Int {
        max(minBufferCount, min(maxBufferCount, bufferBudget / ((others + 1) * bufferSize)))
    }

    /// Continues `md5` (which has hashed the first `offset` bytes) and writes from `offset` on, to
    /// `directFD` where aligned and to `fd` otherwise. Takes ownership of `directFD`, not of `fd`.
    /// `onWritten` is told, on the writing thread, of each stretch of bytes written to the file.
    init(md5: MD5, fd: Int32, directFD: Int32, offset: Int64, onWritten: ((Int) -> Void)? = nil) {
        bufferCount = Self.liveLock.locked {
            defer { Self.live += 1 }
            return Self.bufferCount(alongside: Self.live)
        }
        nextOffset = offset
        let misalignment = Int(offset % Int64(Self.alignment))
        // A resumed file may start mid-block: a short first buffer brings the rest into line.
        capacity = misalignment == 0 ? Self.bufferSize : Self.alignment - misalignment
        filling = .allocate(byteCount: Self.bufferSize, alignment: Self.alignment)
        let free = (1..<bufferCount).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: Self.alignment)
        }
        let shared = Shared(md5: md5, fd: fd, directFD: directFD, offset: offset, free: free, onWritten: onWritten)
        self.shared = shared
        threads = [JoinableThread { shared.hashLoop() }, JoinableThread { shared.writeLoop() }]
    }

    deinit { finish() }

    /// The errno of the first write that failed; later bytes are hashed but not written.
    var failure: Int32? { shared.failure }

    /// Copies `bytes` into the buffers, handing each full one to the threads.
    func append(_ bytes: UnsafeRawBufferPointer) {
        assert(!threads.isEmpty, "append after finish")
        var offset = 0
        while offset < bytes.count {
            let count = min(capacity - filled, bytes.count - offset)
            UnsafeMutableRawBufferPointer(rebasing: filling[filled..<(filled + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
            filled += count
            offset += count
            if filled == capacity { handOver() }
        }
    }

    /// Writes and hashes what is buffered, stops the threads, and gives back the buffers and the
    /// direct descriptor: a finished file waits for its sync holding only its own descriptor, and
    /// the files still receiving share the budget. Safe to call more than once.
    func finish() {
        guard !threads.isEmpty else { return }
        if filled > 0 { handOver() }
        shared.close()
        for thread in threads { thread.join() }
        threads.removeAll()
        shared.release()
        filling.deallocate()
        filling = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        capacity = 0
        Self.liveLock.locked { Self.live -= 1 }
    }

    /// The md5 of everything appended (after `finish`).
    func md5() -> String {
        finish()
        if let digest { return digest }
        let result = shared.md5.finalize()
        digest = result
        return result
    }

    /// Queues the filled buffer and takes a free one, waiting for the threads if there is none.
    private func handOver() {
        let entry = (buffer: filling, count: filled, offset: nextOffset)
        nextOffset += Int64(filled)
        filling = shared.exchange(entry)
        filled = 0
        capacity = Self.bufferSize
    }

    private final class Shared {
        typealias Chunk = (buffer: UnsafeMutableRawBufferPointer, count: Int, offset: Int64)
        let md5: MD5
        private let fd: Int32
        /// Owned; -1 when direct writes are not possible (or turned out not to be).
        private var directFD: Int32
        private let lock = ConditionLock()
        private var free: [UnsafeMutableRawBufferPointer]
        private var toHash: [Chunk] = []
        private var toWrite: [Chunk] = []
        /// Per buffer (by base address): how many of the two threads still need it.
        private var users: [UnsafeMutableRawPointer: Int] = [:]
        private var closing = false
        private var writeErrno: Int32 = 0
        private var writebackStart: Int64
        private let onWritten: ((Int) -> Void)?

        init(
            md5: MD5, fd: Int32, directFD: Int32, offset: Int64, free: [UnsafeMutableRawBufferPointer],
            onWritten: ((Int) -> Void)?
        ) {
            self.onWritten = onWritten
            self.md5 = md5
            self.fd = fd
            self.directFD = directFD
            self.free = free
            writebackStart = offset
        }

        deinit { release() }

        /// Frees the buffers and closes the direct descriptor, once the threads are joined.
        func release() {
            for buffer in free { buffer.deallocate() }
            free.removeAll()
            if directFD >= 0 { Glibc.close(directFD) }
            directFD = -1
        }

        var failure: Int32? { lock.locked { writeErrno == 0 ? nil : writeErrno } }

        /// Queues `chunk` for both threads and returns a free buffer, waiting until there is one.
        func exchange(_ chunk: Chunk) -> UnsafeMutableRawBufferPointer {
            lock.locked {
                toHash.append(chunk)
                toWrite.append(chunk)
                if let base = chunk.buffer.baseAddress { users[base] = 2 }
                lock.broadcast()
                while free.isEmpty { lock.wait() }
                return free.removeLast()
            }
        }

        /// The threads finish what is queued, then return.
        func close() {
            lock.locked {
                closing = true
                lock.broadcast()
            }
        }

        /// The next chunk from `queue` (nil once closing with nothing left).
        private func next(from queue: ReferenceWritableKeyPath<Shared, [Chunk]>) -> Chunk? {
            lock.locked {
                while self[keyPath: queue].isEmpty && !closing { lock.wait() }
                return self[keyPath: queue].isEmpty ? nil : self[keyPath: queue].removeFirst()
            }
        }

        /// One thread is done with `buffer`; the second to be done frees it. Call with the lock held.
        private func release(_ buffer: UnsafeMutableRawBufferPointer) {
            guard let base = buffer.baseAddress, let count = users[base] else { return }
            if count > 1 {
                users[base] = count - 1
            } else {
                users[base] = nil
                free.append(buffer)
                lock.broadcast()
            }
        }

        func hashLoop() {
            while let chunk = next(from: \.toHash) {
                md5.update(UnsafeRawBufferPointer(rebasing: chunk.buffer[0..<chunk.count]))
                lock.locked { release(chunk.buffer) }
            }
        }

        func writeLoop() {
            while let chunk = next(from: \.toWrite) {
                let failed = lock.locked { writeErrno != 0 }
                let code = failed ? 0 : write(UnsafeRawBufferPointer(rebasing: chunk.buffer[0..<chunk.count]), at: chunk.offset)
                lock.locked {
                    if code != 0 && writeErrno == 0 { writeErrno = code }
                    release(chunk.buffer)
                }
                if !failed && code == 0 { onWritten?(chunk.count) }
            }
        }

        /// Writes `bytes` at `offset`; returns 0 or the errno.
        private func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Int32 {
            guard let base = bytes.baseAddress else { return 0 }
            var done = 0
            while done < bytes.count {
                let position = offset + Int64(done)
                let left = bytes.count - done
                let direct = directFD >= 0 && position % Int64(BackgroundWriter.alignment) == 0 && left % BackgroundWriter.alignment == 0
                let result = pwrite(direct ? directFD : fd, base + done, left, off_t(position))
                if result < 0 {
                    if errno == EINTR { continue }
                    if direct && errno == EINVAL {
                        // The file system takes no direct writes after all: the page cache it is.
                        Glibc.close(directFD)
                        directFD = -1
                        continue
                    }
                    return errno
                }
                done += result
            }
            if directFD < 0 && offset + Int64(done) - writebackStart >= PartFileSink.writebackStep {
                // As PartFileSink does: start writing this stretch so the sync has little left.
                _ = clinux_start_writeback(fd, writebackStart, offset + Int64(done) - writebackStart)
                writebackStart = offset + Int64(done)
            }
            return 0
        }
    }
}
