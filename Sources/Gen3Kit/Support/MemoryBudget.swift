/// The memory a worker may spend on bodies it holds itself, out of the promise that a run at the
/// defaults peaks at 64 MiB resident (README, BENCHMARKS.md). The rest is fixed or per transfer:
/// the binary and its libraries, the SQLite page caches (`JobStore.limitPageCache`), and each
/// transfer's curl buffers and a small body as it arrives (`FileSinks.memoryLimit`, so bounded by
/// `RunOptions.maxConcurrentRequests`).
enum MemoryBudget {
    /// Everything below together: one budget, carved, so that a change to one part shows in the
    /// sum the promise is about.
    static let heldBodies = 20 << 20

    /// Large bodies' write buffers while they arrive (`BackgroundWriter`): four files at the most
    /// buffers each, or sixteen at the fewest.
    static let largeBodyBuffers = 16 << 20

    /// Small bodies finished and waiting in memory for the renamer's writer (`AwaitingSyncLimit`):
    /// two rounds of the default 128 transfers of 16 KiB bodies, or 64 of the largest bodies held
    /// in memory. The writer empties its queue each time it runs, so this fills only while it
    /// waits for the disk to create files, and then a larger queue would not make it faster.
    static let bodiesAwaitingWrite = heldBodies - largeBodyBuffers
}
