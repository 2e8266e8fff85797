/// How much the renamer's queue of finished files may hold before the worker stops handing files
/// over and starting transfers, by what the files cost: open files and bodies held in memory.
///
/// A round of transfers finishes many files at once, and they wait for the renamer's next group
/// sync. A queue bounded below a round's size stops the transfers until that sync ends, and at tens
/// of milliseconds a round trip that idle time is most of a small-file run. So the queue is bounded
/// by its costs instead, each from its own budget:
/// - an open file per finished file, from its write until it is named (a body in memory has none
///   yet; a large body's write buffers and second descriptor go with its transfer,
///   `BackgroundWriter.finish`): what `ulimit -n` leaves after the transfers (`OpenFileLimit`);
/// - a small body in memory until the renamer's writer writes it out: `MemoryBudget.bodiesAwaitingWrite`;
/// - and `maxFiles` whatever they hold, so that the last sync of a run, which waits for every
///   file still queued, stays one sync's work.
struct AwaitingSyncLimit: Equatable {
    /// What the queue holds now.
    struct Load: Equatable, CustomStringConvertible {
        /// Files handed over and not yet named (each holds, or will hold, one open file).
        var files = 0
        /// Bytes of bodies handed over in memory and not yet written out.
        var bodyBytes = 0

        var description: String { "\(files) files (\(ByteCount.format(Int64(bodyBytes))) of bodies still in memory)" }
    }

    /// Files at most, whatever they hold: four rounds of 256 transfers. A queue that long means the
    /// disk, not the round trips, sets the pace, and a longer one only lengthens the run's last sync.
    static let maxFiles = 1024

    /// Files that may wait at once: the open files they may hold, at most `maxFiles`.
    let files: Int
    /// Bytes of bodies that may wait in memory at once.
    let bodyBytes: Int

    /// `openFiles` is what `OpenFileLimit.awaitingSync` leaves for the queue.
    init(openFiles: Int, bodyBytes: Int = MemoryBudget.bodiesAwaitingWrite) {
        files = min(openFiles, Self.maxFiles)
        self.bodyBytes = bodyBytes
    }

    /// No more files should be handed over until some are named or written out. A body larger than
    /// the whole budget still goes when the queue holds no other body.
    func isFull(_ load: Load) -> Bool { load.files >= files || load.bodyBytes >= bodyBytes }
}
