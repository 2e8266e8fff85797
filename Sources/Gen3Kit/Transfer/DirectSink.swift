import Digest

/// A large body (at least `FileSinks.backgroundHashingThreshold`): the transfer loop only copies
/// each chunk into a buffer; a `BackgroundWriter` hashes it and writes it at its offset, with
/// `O_DIRECT` where the file system allows, on two threads of its own. Continues what an earlier
/// attempt left in the part file.
final class DirectSink: FileSink {
    private let file: DiskFile
    let expectedSize: Int64?
    private let hooks: TestHooks?
    private var writer: BackgroundWriter
    private(set) var written: Int64
    private(set) var failure: SinkError?

    init(file: DiskFile, expectedSize: Int64, resumed: (md5: MD5, length: Int64), hooks: TestHooks?) {
        self.file = file
        self.expectedSize = expectedSize
        self.hooks = hooks
        written = resumed.length
        writer = BackgroundWriter(
            md5: resumed.md5, fd: file.fd, directFD: file.openDirect(), offset: resumed.length, onWritten: hooks.map { $0.afterWrite })
    }

    var finalPath: String { file.finalPath }
    var partPath: String { file.partPath }
    var inMemoryBody: [UInt8]? { nil }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil, bytes.baseAddress != nil else { return failure == nil }
        if let code = writer.failure {
            failure = SinkError.from(errno: code, path: partPath)
            return false
        }
        let chunk = SizeCap.cut(bytes, written: written, expectedSize: expectedSize, failure: &failure)
        writer.append(chunk)
        written += Int64(chunk.count)
        return failure == nil
    }

    func restart() throws {
        writer.finish()
        try file.truncate()
        written = 0
        writer = BackgroundWriter(md5: MD5(), fd: file.fd, directFD: file.openDirect(), offset: 0, onWritten: hooks.map { $0.afterWrite })
    }

    func drain() {
        writer.finish()
        if let code = writer.failure, failure == nil { failure = SinkError.from(errno: code, path: partPath) }
    }

    func md5() -> String { writer.md5() }

    func materialize(unnamed: Bool) throws {}

    func sync() throws {
        drain()
        if let failure { throw failure }
        try file.sync()
    }

    func commit() throws { try file.commit() }

    func discard() {
        writer.finish()
        file.discard()
        written = 0
    }

    /// Queued bytes reach the file before it closes: `written` stays what the next attempt finds.
    func close() {
        writer.finish()
        file.close()
    }
}
