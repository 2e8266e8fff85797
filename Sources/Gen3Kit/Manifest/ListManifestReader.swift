/// A manifest already in memory (e.g. the one GUID of `download-single`).
package final class ListManifestReader: ManifestReader {
    private var entries: IndexingIterator<[ManifestEntry]>

    package init(_ entries: [ManifestEntry]) { self.entries = entries.makeIterator() }

    package func next() throws -> ManifestEntry? { entries.next() }
}
