import Digest

/// A small body with nothing at its part name: assembled in memory, its md5 checked by the renamer
/// (many at once, `FileSinks.md5s`), then written on the renamer's thread to a file with no name
/// until `commit` links it (`materialize`). Creating a file is the costliest step of a small
/// download, and this keeps it off the transfer loop; nothing is left behind if the process dies
/// first. Where the file system has no unnamed files, the part file is used.
final class MemorySink: FileSink {
    private let file: DiskFile
    let expectedSize: Int64?
    private let hooks: TestHooks?
    private var body: [UInt8]? = []
    private var digest: String?
    private(set) var written: Int64 = 0
    private(set) var failure: SinkError?

    init(file: DiskFile, expectedSize: Int64, hooks: TestHooks?) {
        self.file = file
        self.expectedSize = expectedSize
        self.hooks = hooks
        body?.reserveCapacity(Int(expectedSize))
    }

    var finalPath: String { file.finalPath }
    var partPath: String { file.partPath }
    var inMemoryBody: [UInt8]? { body }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard failure == nil, bytes.baseAddress != nil else { return failure == nil }
        let chunk = SizeCap.cut(bytes, written: written, expectedSize: expectedSize, failure: &failure)
        body?.append(contentsOf: chunk)
        written += Int64(chunk.count)
        hooks?.afterWrite(chunk.count)
        return failure == nil
    }

    func restart() throws {
        body = []
        written = 0
        digest = nil
    }

    func drain() {}

    func md5() -> String {
        if let digest { return digest }
        let whole = MD5()
        body?.withUnsafeBytes { whole.update($0) }
        let result = whole.finalize()
        digest = result
        return result
    }

    func materialize(unnamed: Bool) throws {
        guard let held = body else { return }
        body = nil
        let openedUnnamed = unnamed ? try file.openUnnamed() : false
        if !openedUnnamed {
            try file.openPart()
            try file.truncate()
        }
        try held.withUnsafeBytes { try file.write($0) }
    }

    func sync() throws {
        try materialize(unnamed: false)
        try file.sync()
    }

    func commit() throws { try file.commit() }

    func discard() {
        body = nil
        file.discard()
        written = 0
    }

    /// An in-memory or unnamed body is dropped: it is small enough to fetch again whole.
    func close() {
        if body != nil || file.isUnnamed {
            body = nil
            written = 0
        }
        file.close()
    }
}

/// A body longer than its expected size is cut there and fails: a hostile server cannot make us
/// write without bound.
enum SizeCap {
    static func cut(_ bytes: UnsafeRawBufferPointer, written: Int64, expectedSize: Int64?, failure: inout SinkError?)
        -> UnsafeRawBufferPointer
    {
        guard let expectedSize, written + Int64(bytes.count) > expectedSize else { return bytes }
        failure = .tooLarge(expected: expectedSize)
        return UnsafeRawBufferPointer(rebasing: bytes[0..<Int(max(0, expectedSize - written))])
    }
}
