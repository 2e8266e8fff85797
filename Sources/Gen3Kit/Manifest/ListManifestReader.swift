/// A manifest already in memory (e.g. the one GUID of `download-single`).
public final class ListManifestReader: ManifestReader {
    private var entries: IndexingIterator<[ManifestEntry]>

    public init(_ entries: [ManifestEntry]) { self.entries = entries.makeIterator() }

    public func next() throws -> ManifestEntry? { entries.next() }
}
