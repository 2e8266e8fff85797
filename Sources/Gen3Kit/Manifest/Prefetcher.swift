/// Runs `produce` on a thread of its own, up to `depth` results ahead of `next()`, until it returns
/// nil or throws; then `next()` returns nil, or throws that error, on every later call. Used so that
/// reading a manifest and inserting its rows use two cores: for a million GUIDs each is seconds
/// of work. Dropping the prefetcher stops the thread (after the result it is producing).
final class Prefetcher<Chunk> {
    private let channel: Channel
    private var thread: JoinableThread?

    init(depth: Int = 4, produce: @escaping () throws -> Chunk?) {
        let channel = Channel(depth: depth)
        self.channel = channel
        // The thread holds the channel and the closure, never `self`: deinit can stop it.
        thread = JoinableThread { channel.fill(from: produce) }
    }

    deinit {
        channel.cancel()
        thread?.join()
    }

    func next() throws -> Chunk? { try channel.take() }

    private final class Channel {
        private let lock = ConditionLock()
        private let depth: Int
        private var chunks: [Chunk] = []
        private var failure: (any Error)?
        private var ended = false
        private var cancelled = false

        init(depth: Int) { self.depth = depth }

        func take() throws -> Chunk? {
            try lock.locked {
                while chunks.isEmpty && !ended { lock.wait() }
                if !chunks.isEmpty {
                    // At most `depth` chunks wait: removing the first moves only a few references.
                    let chunk = chunks.removeFirst()
                    lock.broadcast()
                    return chunk
                }
                if let failure { throw failure }
                return nil
            }
        }

        func cancel() {
            lock.locked {
                cancelled = true
                lock.broadcast()
            }
        }

        /// On the prefetching thread.
        func fill(from produce: () throws -> Chunk?) {
            while true {
                var chunk: Chunk?
                var error: (any Error)?
                do { chunk = try produce() } catch let thrown { error = thrown }
                let goOn: Bool = lock.locked {
                    while chunks.count >= depth && !cancelled { lock.wait() }
                    if cancelled { return false }
                    if let chunk {
                        chunks.append(chunk)
                    } else {
                        ended = true
                        failure = error
                    }
                    lock.broadcast()
                    return !ended
                }
                if !goOn { return }
            }
        }
    }
}
