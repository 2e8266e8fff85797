import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// A large body fetched as several byte ranges at once (`RangePlan`): each range's bytes are
/// written at their offset in `<name>.part` as they arrive, through the page cache, and a
/// `FrontierHasher` hashes the file in order behind them. It also knows how much of each range the
/// job database records, and holds no range more than `checkpointStep` ahead of its record
/// (`mayWrite`), so that a kill costs a resumed file at most that much per range.
final class RangedSink: FileSink {
    private let file: DiskFile
    private let size: Int64
    private let hooks: TestHooks?
    let checkpointStep: Int64
    /// In file order, covering the file exactly once.
    private(set) var ranges: [FileRange]
    /// Per range, the `done` the job database has.
    private var recordedDone: [Int64]
    /// Per range, where the bytes not yet handed to the disk's writeback start.
    private var writebackStart: [Int64]
    private var hasher: FrontierHasher
    private var digest: String?
    private(set) var written: Int64
    private(set) var failure: SinkError?

    /// Opens (or continues) the part file of a body of `expectedSize` bytes. With `recorded`
    /// ranges (`file_ranges`), those go on, each cut to what the part file holds; without, the
    /// part file was written from its start by one connection, so its length is kept as a first
    /// range, and the rest is cut for `connections` connections. Recorded ranges that do not
    /// describe this file say nothing of where its holes are: it starts over.
    static func open(
        finalPath: String, expectedSize: Int64, recorded: [FileRange], connections: Int, replacesExisting: Bool = false,
        durability: Durability = Durability(), checkpointStep: Int64 = RangePlan.checkpointStep, hooks: TestHooks? = nil
    ) throws -> RangedSink {
        let file = DiskFile(finalPath: finalPath, replacesExisting: replacesExisting, durability: durability)
        try file.openPart()
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw SinkError.from(errno: errno, path: file.partPath) }
        let existing = Int64(info.st_size)
        var ranges = recorded.isEmpty ? nil : RangePlan.resumed(recorded, size: expectedSize, fileSize: existing)
        if ranges == nil {
            let prefix = recorded.isEmpty && existing <= expectedSize ? existing : 0
            if prefix < existing { try file.truncate(to: prefix) }
            ranges = RangePlan.split(size: expectedSize, prefix: prefix, connections: connections)
        }
        return RangedSink(file: file, size: expectedSize, ranges: ranges ?? [], checkpointStep: checkpointStep, hooks: hooks)
    }

    init(file: DiskFile, size: Int64, ranges: [FileRange], checkpointStep: Int64, hooks: TestHooks?) {
        self.file = file
        self.size = size
        self.hooks = hooks
        self.checkpointStep = checkpointStep
        self.ranges = ranges
        recordedDone = ranges.map(\.done)
        writebackStart = ranges.map(\.next)
        written = ranges.reduce(0) { $0 + $1.done }
        hasher = FrontierHasher(fd: file.fd, size: size, ranges: ranges)
    }

    /// The hashing thread reads the file: it stops before the descriptor can close.
    deinit { hasher.stop() }

    var finalPath: String { file.finalPath }
    var partPath: String { file.partPath }
    var expectedSize: Int64? { size }
    var inMemoryBody: [UInt8]? { nil }

    // MARK: - Ranges

    /// Writes bytes that continue range `index`; false (with `failure` set) stops the transfer.
    /// Bytes past the range's end are not written and fail with `tooLarge`.
    func write(_ bytes: UnsafeRawBufferPointer, range index: Int) -> Bool {
        guard failure == nil, bytes.baseAddress != nil else { return failure == nil }
        guard ranges.indices.contains(index) else { return false }
        let range = ranges[index]
        var chunk = bytes
        if Int64(bytes.count) > range.length - range.done {
            failure = .tooLarge(expected: size)
            chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<Int(range.length - range.done)])
        }
        if let code = DiskFile.writeAll(file.fd, chunk, at: range.next) {
            failure = SinkError.from(errno: code, path: partPath)
            return false
        }
        let done = range.done + Int64(chunk.count)
        ranges[index].done = done
        written += Int64(chunk.count)
        hasher.advance(index, done: done)
        if range.start + done - writebackStart[index] >= PartFileSink.writebackStep {
            // As PartFileSink does: start writing this stretch, so the sync has little left.
            _ = clinux_start_writeback(file.fd, writebackStart[index], range.start + done - writebackStart[index])
            writebackStart[index] = range.start + done
        }
        hooks?.afterWrite(chunk.count)
        return failure == nil
    }

    /// Whether `count` more bytes may go into range `index` now: not when they would take it more
    /// than `checkpointStep` past what the job database records (unless it records all of it, so
    /// one chunk always goes in). A transfer told no pauses until `recorded` is called.
    func mayWrite(_ count: Int, range index: Int) -> Bool {
        guard ranges.indices.contains(index) else { return true }
        let unrecorded = ranges[index].done - recordedDone[index]
        return unrecorded == 0 || unrecorded + Int64(count) <= checkpointStep
    }

    /// The ranges with bytes in the part file that the job database does not record yet.
    var unrecorded: [FileRange] { ranges.indices.filter { ranges[$0].done > recordedDone[$0] }.map { ranges[$0] } }

    /// The job database now records every range as it stands.
    func recorded() { recordedDone = ranges.map(\.done) }

    /// How many bytes from the start are hashed (for tests and the log).
    var hashed: Int64 { hasher.frontier }

    /// Keeps only the bytes from the file's start that are all there, as one range, and makes the
    /// rest one range, for one connection to write in order (the storage host ignored Range). The
    /// part file then holds a prefix, as one connection leaves it: its recorded ranges go next.
    func collapse() throws {
        let prefix = RangePlan.contiguousPrefix(ranges)
        try file.truncate(to: prefix)
        ranges =
            (prefix > 0 ? [FileRange(start: 0, end: prefix, done: prefix)] : [])
            + (prefix < size ? [FileRange(start: prefix, end: size)] : [])
        recordedDone = ranges.map(\.done)
        writebackStart = ranges.map(\.next)
        written = prefix
        hasher.replace(ranges)
    }

    // MARK: - FileSink

    /// Continues the first range that is not complete (the whole file after `restart`).
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let index = ranges.firstIndex(where: { !$0.isComplete }) else {
            if bytes.isEmpty { return failure == nil }
            failure = .tooLarge(expected: size)
            return false
        }
        return write(bytes, range: index)
    }

    func restart() throws {
        hasher.stop()
        try file.truncate(to: 0)
        ranges = [FileRange(start: 0, end: size)]
        recordedDone = [0]
        writebackStart = [0]
        written = 0
        digest = nil
        hasher = FrontierHasher(fd: file.fd, size: size, ranges: ranges)
    }

    /// Writes are done by the time `write` returns.
    func drain() {}

    /// Waits for the hashing thread to reach the end. A file it could not read back is not
    /// complete: `failure` says so and `sync` throws it.
    func md5() -> String {
        if let digest { return digest }
        let result = hasher.finish()
        if result == nil && failure == nil { failure = .file(path: partPath, errno: EIO) }
        digest = result ?? ""
        return digest ?? ""
    }

    func materialize(unnamed: Bool) throws {}

    func sync() throws {
        if let failure { throw failure }
        try file.sync()
    }

    func commit() throws {
        hasher.stop()
        try file.commit()
    }

    func discard() {
        hasher.stop()
        file.discard()
        written = 0
    }

    func close() {
        hasher.stop()
        file.close()
    }
}
