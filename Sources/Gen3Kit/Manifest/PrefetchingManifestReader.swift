/// Reads another reader on a thread of its own, a few hundred entries ahead, so that parsing a
/// manifest and inserting its rows use two cores: for a million GUIDs each side is seconds of work.
/// Entries come out in the same order, then the same error (if any) on every later call, exactly
/// as from the reader it wraps. Memory is bounded by `chunkSize × depth` entries.
final class PrefetchingManifestReader: ManifestReader {
    private let channel: Channel
    private var thread: JoinableThread?
    private var current: [ManifestEntry] = []
    private var index = 0

    init(_ base: any ManifestReader, chunkSize: Int = 512, depth: Int = 4) {
        let channel = Channel(depth: depth)
        self.channel = channel
        // The thread holds the channel and the base reader, never `self`: deinit can stop it.
        thread = JoinableThread { channel.produce(from: base, chunkSize: chunkSize) }
    }

    deinit {
        channel.cancel()
        thread?.join()
    }

    func next() throws -> ManifestEntry? {
        if index == current.count {
            guard let chunk = try channel.take() else { return nil }
            current = chunk
            index = 0
        }
        index += 1
        return current[index - 1]
    }

    private final class Channel {
        private let lock = ConditionLock()
        private let depth: Int
        private var chunks: [[ManifestEntry]] = []
        private var failure: (any Error)?
        private var ended = false
        private var cancelled = false

        init(depth: Int) { self.depth = depth }

        /// The next non-empty chunk; nil at the end; the base reader's error once its entries are out.
        func take() throws -> [ManifestEntry]? {
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

        /// On the reading thread: fills chunks until the end, an error, or `cancel`.
        func produce(from base: any ManifestReader, chunkSize: Int) {
            while true {
                var chunk: [ManifestEntry] = []
                chunk.reserveCapacity(chunkSize)
                var error: (any Error)?
                var atEnd = false
                do {
                    while chunk.count < chunkSize {
                        guard let entry = try base.next() else { atEnd = true; break }
                        chunk.append(entry)
                    }
                } catch let thrown {
                    error = thrown
                }
                let goOn: Bool = lock.locked {
                    while chunks.count >= depth && !cancelled { lock.wait() }
                    if cancelled { return false }
                    if !chunk.isEmpty { chunks.append(chunk) }
                    if error != nil || atEnd {
                        failure = error
                        ended = true
                    }
                    lock.broadcast()
                    return !ended
                }
                if !goOn { return }
            }
        }
    }
}
