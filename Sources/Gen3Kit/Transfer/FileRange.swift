/// One byte range of a file fetched in parts (`RangePlan`): bytes `start..<end`, of which the first
/// `done` are in the part file. The job database keeps one per row of `file_ranges`.
package struct FileRange: Equatable, Sendable {
    package var start: Int64
    package var end: Int64
    package var done: Int64

    package init(start: Int64, end: Int64, done: Int64 = 0) {
        self.start = start
        self.end = end
        self.done = done
    }

    package var length: Int64 { end - start }
    /// The first byte still missing (`end` once complete).
    package var next: Int64 { start + done }
    package var isComplete: Bool { done >= length }
}
