import Dispatch

@testable import Gen3Kit

/// A small body held in memory whose write-out and sync each wait for the test: it says when the
/// renamer reached each step (`reached`) and goes on once let through (`letWrite`, `letSync`), so a
/// test can look at the renamer's queue between steps without timing anything.
final class GatedSink: FileSink {
    let finalPath: String
    var partPath: String { finalPath + ".part" }
    let expectedSize: Int64?
    private(set) var written: Int64
    let failure: SinkError? = nil
    private var body: [UInt8]?
    /// Signalled as the renamer starts writing the body out, and as it starts syncing it.
    let reached = DispatchSemaphore(value: 0)
    let letWrite = DispatchSemaphore(value: 0)
    let letSync = DispatchSemaphore(value: 0)

    init(finalPath: String, size: Int) {
        self.finalPath = finalPath
        expectedSize = Int64(size)
        written = Int64(size)
        body = [UInt8](repeating: 7, count: size)
    }

    var inMemoryBody: [UInt8]? { body }
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool { false }
    func restart() throws {}
    func drain() {}
    func md5() -> String { "" }

    func materialize(unnamed: Bool) throws {
        reached.signal()
        letWrite.wait()
        body = nil
    }

    func sync() throws {
        reached.signal()
        letSync.wait()
    }

    func commit() throws {}
    func discard() {}
    func close() {}
}
