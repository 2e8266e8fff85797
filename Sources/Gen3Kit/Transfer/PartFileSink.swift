import CLinux
import Digest

/// A body written to `<name>.part` as it arrives, through the page cache, and hashed as it is
/// written (the file is never read back), continuing what an earlier attempt left there.
final class PartFileSink: FileSink {
    private let file: DiskFile
    let expectedSize: Int64?
    private let hooks: TestHooks?
    private var hasher: MD5
    private var digest: String?
    private var writebackStart: Int64
    private(set) var written: Int64
    private(set) var failure: SinkError?
    /// How much is written before the kernel is asked to start writing it to disk.
    static let writebackStep: Int64 = 8 << 20

    init(file: DiskFile, expectedSize: Int64?, resumed: (md5: MD5, length: Int64), hooks: TestHooks?) {
        self.file = file
        self.expectedSize = expectedSize
        self.hooks = hooks
        hasher = resumed.md5
        written = resumed.length
        writebackStart = resumed.length
    }

    var finalPath: String { file.finalPath }
    var partPath: String { file.partPath }
    var inMemoryBody: [UInt8]? { nil }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil, bytes.baseAddress != nil else { return failure == nil }
        let chunk = SizeCap.cut(bytes, written: written, expectedSize: expectedSize, failure: &failure)
        if let code = DiskFile.writeAll(file.fd, chunk) {
            failure = SinkError.from(errno: code, path: partPath)
            return false
        }
        hasher.update(chunk)
        let end = written + Int64(chunk.count)
        if end - writebackStart >= Self.writebackStep {
            // Start writing this stretch to disk now, so the sync after the last byte has little
            // left to wait for; a failure here only means the sync does all the work.
            _ = clinux_start_writeback(file.fd, writebackStart, end - writebackStart)
            writebackStart = end
        }
        written = end
        hooks?.afterWrite(chunk.count)
        return failure == nil
    }

    func restart() throws {
        try file.truncate()
        written = 0
        writebackStart = 0
        hasher = MD5()
        digest = nil
    }

    func drain() {}

    func md5() -> String {
        if let digest { return digest }
        let result = hasher.finalize()
        digest = result
        return result
    }

    func materialize(unnamed: Bool) throws {}

    func sync() throws {
        if let failure { throw failure }
        try file.sync()
    }

    func commit() throws { try file.commit() }

    func discard() {
        file.discard()
        written = 0
    }

    func close() { file.close() }
}
