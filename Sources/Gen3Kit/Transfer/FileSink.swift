import Digest

/// Where a download's body goes, from its first byte until it has its final name: the part of a
/// transfer that knows files. Three kinds, chosen by `FileSinks.open`: `MemorySink` (a small
/// body), `PartFileSink` (written through the page cache), `DirectSink` (a large body, hashed and
/// written on threads of its own); and a fourth, `RangedSink`, for a body fetched as byte ranges on
/// several connections (`RangedSink.open`). Each is complete, verified and synced before it gets
/// its final name (`commit`), which never replaces anything unless told to.
package protocol FileSink: AnyObject {
    var finalPath: String { get }
    var partPath: String { get }
    var expectedSize: Int64? { get }
    /// Bytes written, including a prefix kept from an earlier attempt.
    var written: Int64 { get }
    /// The first write error, reported once the transfer stops.
    var failure: SinkError? { get }
    /// The body while it is still held in memory (`MemorySink`, before `materialize`), so that the
    /// renamer can hash many at once.
    var inMemoryBody: [UInt8]? { get }
    /// Appends body bytes; false (with `failure` set) stops the transfer. A body longer than
    /// `expectedSize` is cut there and fails with `tooLarge`.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Throws away what was written and starts from byte 0 (the server ignored our Range).
    func restart() throws
    /// Waits until every byte handed over is in the file; takes over a write error as `failure`.
    func drain()
    /// The md5 of everything written.
    func md5() -> String
    /// Writes an in-memory body out (with `unnamed`, to a file with no name until `commit`); no-op
    /// for a body that was written to disk all along.
    func materialize(unnamed: Bool) throws
    /// Flushes the data to disk.
    func sync() throws
    /// Gives the synced file its final name and closes it.
    func commit() throws
    /// Closes and deletes what was written (after a size or md5 mismatch).
    func discard()
    /// Closes, keeping a part file for the next attempt to continue.
    func close()
}

extension FileSink {
    /// Whether the body is still held in memory.
    var inMemory: Bool { inMemoryBody != nil }
}

/// Chooses and opens a file's sink.
package enum FileSinks {
    /// Bodies smaller than this are assembled in memory: they arrive in a burst or two, so a
    /// partial one is not worth resuming, and the memory is bounded by the transfers and by the
    /// renamer's queue (`AwaitingSyncLimit`).
    package static let memoryLimit: Int64 = 64 << 10
    /// Bodies at least this large are hashed and written on threads of their own (`DirectSink`).
    static let backgroundHashingThreshold: Int64 = 8 << 20

    /// The sink for a body of `expectedSize` bytes bound for `finalPath`, and the offset to ask the
    /// server for (what an earlier attempt left in the part file, when it can still be part of this
    /// file). `partAbsent` says the caller has just seen nothing at the part name (saving a lookup);
    /// `readPart` is the part file's length and md5 read earlier, used if its length is unchanged.
    package static func open(
        finalPath: String, expectedSize: Int64?, replacesExisting: Bool = false, partAbsent: Bool = false,
        readPart: (length: Int64, md5: MD5)? = nil, durability: Durability = Durability(), hooks: TestHooks? = nil
    ) throws -> (sink: any FileSink, offset: Int64) {
        let file = DiskFile(finalPath: finalPath, replacesExisting: replacesExisting, durability: durability)
        if let expectedSize, expectedSize < memoryLimit, partAbsent || !FilePaths.exists(file.partPath) {
            return (MemorySink(file: file, expectedSize: expectedSize, hooks: hooks), 0)
        }
        let resumed = try file.openToContinue(expectedSize: expectedSize, readPart: readPart)
        if let expectedSize, expectedSize >= backgroundHashingThreshold {
            return (DirectSink(file: file, expectedSize: expectedSize, resumed: resumed, hooks: hooks), resumed.length)
        }
        return (PartFileSink(file: file, expectedSize: expectedSize, resumed: resumed, hooks: hooks), resumed.length)
    }

    /// The md5 of each sink's body, as `md5()` gives it; the bodies still in memory are hashed side
    /// by side (`MD5.hex(ofEach:)`), in order of size so that the messages sharing a call end together.
    static func md5s(of sinks: [any FileSink]) -> [String] {
        let bodies = sinks.map(\.inMemoryBody)
        var digests = sinks.indices.map { bodies[$0] == nil ? sinks[$0].md5() : "" }
        let inMemory = sinks.indices.filter { bodies[$0] != nil }.sorted { sinks[$0].written < sinks[$1].written }
        for (index, digest) in zip(inMemory, MD5.hex(ofEach: inMemory.map { bodies[$0] ?? [] })) { digests[index] = digest }
        return digests
    }
}
