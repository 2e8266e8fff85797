import Digest

#if canImport(Glibc)
    import Glibc
#endif

/// The md5 of a file whose byte ranges are written out of order (`RangedSink`), computed in file
/// order on a thread of its own. Everything before the frontier is hashed; as soon as the range
/// that holds the frontier has bytes past it, the thread reads them back with `pread`, from the
/// page cache the writes just filled, hashes them and moves on, into the next range once one is
/// complete. So the md5 is ready soon after the last byte, without a pass over the file after the
/// download, and memory holds one read buffer, never the ranges that arrive early. A resumed
/// file's bytes from earlier attempts are read the same way, from its start.
final class FrontierHasher {
    /// Bytes read per call: enough that a call costs little next to hashing what it reads.
    static let readSize = 256 << 10

    private let shared: Shared
    private var thread: JoinableThread?
    private var digest: String?

    /// Starts hashing the file open as `fd` (not owned), of `size` bytes, whose ranges (in file
    /// order, covering it exactly once) hold what their `done` says.
    init(fd: Int32, size: Int64, ranges: [FileRange]) {
        let shared = Shared(fd: fd, size: size, ranges: ranges)
        self.shared = shared
        thread = JoinableThread { shared.run() }
    }

    deinit { stop() }

    /// Range `index` now has its first `done` bytes in the file.
    func advance(_ index: Int, done: Int64) { shared.advance(index, done: done) }

    /// New ranges in place of the old (the file went on with one connection); the bytes before
    /// the frontier are unchanged.
    func replace(_ ranges: [FileRange]) { shared.replace(ranges) }

    /// How many bytes from the start are hashed.
    var frontier: Int64 { shared.frontier }

    /// Once nothing more will be written: waits until every byte the ranges hold is hashed and
    /// returns the md5 of the whole file, or nil when a read failed or some byte never came.
    func finish() -> String? {
        if let digest { return digest }
        guard let thread else { return nil }
        shared.end()
        thread.join()
        self.thread = nil
        digest = shared.result()
        return digest
    }

    /// Stops the thread without waiting for the md5 (the file is closed, kept or thrown away).
    /// Safe to call more than once.
    func stop() {
        guard let thread else { return }
        shared.stop()
        thread.join()
        self.thread = nil
    }

    /// What the thread and the writers share, under `lock`; the md5 itself is the thread's alone
    /// until it is joined.
    private final class Shared {
        private let fd: Int32
        private let size: Int64
        private let lock = ConditionLock()
        private var ranges: [FileRange]
        /// The range holding the frontier (the ranges are in file order and it only moves on).
        private var cursor = 0
        private var hashed: Int64 = 0
        /// No more bytes will be written: hash what is there, then return.
        private var ending = false
        private var stopping = false
        private var readErrno: Int32 = 0
        private let md5 = MD5()

        init(fd: Int32, size: Int64, ranges: [FileRange]) {
            self.fd = fd
            self.size = size
            self.ranges = ranges
        }

        var frontier: Int64 { lock.locked { hashed } }

        func advance(_ index: Int, done: Int64) {
            lock.locked {
                guard ranges.indices.contains(index) else { return }
                ranges[index].done = done
                // Only the range at the frontier can let the thread go on.
                if index == cursor { lock.broadcast() }
            }
        }

        func replace(_ ranges: [FileRange]) {
            lock.locked {
                self.ranges = ranges
                cursor = 0
                lock.broadcast()
            }
        }

        func end() {
            lock.locked {
                ending = true
                lock.broadcast()
            }
        }

        func stop() {
            lock.locked {
                stopping = true
                lock.broadcast()
            }
        }

        /// After the thread is joined: the md5 when every byte was hashed.
        func result() -> String? {
            let complete = lock.locked { hashed == size && readErrno == 0 }
            return complete ? md5.finalize() : nil
        }

        func run() {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: FrontierHasher.readSize, alignment: 4096)
            defer { buffer.deallocate() }
            while let (offset, count) = nextStretch() {
                if let code = read(into: buffer, count: count, at: offset) {
                    lock.locked {
                        readErrno = code
                        lock.broadcast()
                    }
                    return
                }
                md5.update(UnsafeRawBufferPointer(start: buffer, count: count))
                lock.locked { hashed += Int64(count) }
            }
        }

        /// The next bytes to hash, waiting until there are some; nil once there will be none.
        private func nextStretch() -> (offset: Int64, count: Int)? {
            lock.locked {
                while true {
                    if stopping || hashed >= size { return nil }
                    let available = availableAtFrontier()
                    if available > 0 { return (hashed, Int(min(available, Int64(FrontierHasher.readSize)))) }
                    if ending { return nil }
                    lock.wait()
                }
            }
        }

        /// Bytes in the file from the frontier on, within the range that holds it. Call with the lock held.
        private func availableAtFrontier() -> Int64 {
            while cursor < ranges.count && ranges[cursor].end <= hashed { cursor += 1 }
            guard cursor < ranges.count, ranges[cursor].start <= hashed else { return 0 }
            return ranges[cursor].next - hashed
        }

        /// Reads `count` bytes at `offset`; nil, or the errno of the read that failed.
        private func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) -> Int32? {
            var done = 0
            while done < count {
                let result = pread(fd, buffer + done, count - done, off_t(offset + Int64(done)))
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                // The file is shorter than the ranges say: it changed under us.
                if result == 0 { return EIO }
                done += result
            }
            return nil
        }
    }
}
