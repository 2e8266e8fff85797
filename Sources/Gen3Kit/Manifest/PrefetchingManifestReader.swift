/// A manifest reader read a few hundred entries ahead on a thread of its own (see `Prefetcher`).
/// Entries come out in the same order, then the same error (if any) on every later call, exactly
/// as from the reader it wraps. Memory is bounded by `chunkSize × (depth + 2)` entries (those waiting, the
/// chunk being read, the chunk being handed out).
final class PrefetchingManifestReader: ManifestReader {
    private let prefetcher: Prefetcher<[ManifestEntry]>
    private var current: [ManifestEntry] = []
    private var index = 0

    init(_ base: any ManifestReader, chunkSize: Int = 512, depth: Int = 4) {
        prefetcher = Prefetcher(depth: depth, produce: Self.chunks(of: base, size: chunkSize))
    }

    func next() throws -> ManifestEntry? {
        if index == current.count {
            guard let chunk = try prefetcher.next() else { return nil }
            current = chunk
            index = 0
        }
        index += 1
        return current[index - 1]
    }

    /// Chunks of `base`'s entries; the entries read before an error come first, the error next.
    private static func chunks(of base: any ManifestReader, size: Int) -> () throws -> [ManifestEntry]? {
        var pending: (any Error)?
        return {
            if let pending { throw pending }
            var chunk: [ManifestEntry] = []
            chunk.reserveCapacity(size)
            do {
                while chunk.count < size, let entry = try base.next() { chunk.append(entry) }
            } catch {
                if chunk.isEmpty { throw error }
                pending = error
            }
            return chunk.isEmpty ? nil : chunk
        }
    }
}
