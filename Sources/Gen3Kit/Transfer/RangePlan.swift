/// How a large file is cut into byte ranges that several connections fetch at once, and what a
/// resumed file's recorded ranges can still be trusted for. Pure: no I/O.
///
/// Ranges are fetched in file order, a few per connection, so that the bytes arrive roughly in
/// order: the md5, which can only read the file from its start (`FrontierHasher`), follows close
/// behind the downloads and has at most a range per connection left once the last byte is in.
package enum RangePlan {
    /// Ranges per connection a file is cut into, when that keeps them within the bounds below.
    static let rangesPerConnection: Int64 = 4
    /// Range sizes are multiples of this, so range starts fall on whole pages of the page cache.
    static let alignment: Int64 = 1 << 20
    /// A request per range costs a round trip: ranges are no smaller than this.
    static let minimumRangeSize: Int64 = 1 << 20
    /// The md5 has up to (connections - 1) ranges to read back after the last byte: ranges are
    /// no larger than this.
    static let maximumRangeSize: Int64 = 32 << 20
    /// Ranges per file at most, whatever size the manifest claims: each is a row of the job
    /// database and a few words of memory while the file is fetched. Past 32 GiB the ranges grow.
    static let maximumRangeCount: Int64 = 1024
    /// At most this much of a range is in the part file without the job database knowing
    /// (`RangedSink.mayWrite`): what a kill can make a resumed file fetch again, per range.
    package static let checkpointStep: Int64 = 16 << 20

    /// The size of the ranges a file of `fileSize` bytes is cut into for `connections` connections.
    package static func rangeSize(fileSize: Int64, connections: Int) -> Int64 {
        let share = fileSize / (Int64(max(1, connections)) * rangesPerConnection)
        let bounded = min(maximumRangeSize, max(minimumRangeSize, alignedUp(share)))
        let fewEnough = fileSize / maximumRangeCount + (fileSize % maximumRangeCount == 0 ? 0 : 1)
        return max(bounded, alignedUp(fewEnough))
    }

    /// `bytes` rounded up to a multiple of `alignment`, without overflowing near `Int64.max`.
    private static func alignedUp(_ bytes: Int64) -> Int64 {
        let rest = bytes % alignment
        return rest == 0 ? bytes : bytes - rest + min(alignment, Int64.max - (bytes - rest))
    }

    /// A new plan for a file of `size` bytes whose part file holds its first `prefix` bytes
    /// (what a single-connection attempt left): those as one range already done, the rest cut at
    /// the multiples of `rangeSize`.
    package static func split(size: Int64, prefix: Int64 = 0, connections: Int) -> [FileRange] {
        let prefix = min(max(0, prefix), size)
        var ranges = prefix > 0 ? [FileRange(start: 0, end: prefix, done: prefix)] : []
        let step = rangeSize(fileSize: size, connections: connections)
        var start = prefix
        while start < size {
            let boundary = start / step * step
            let end = size - boundary > step ? boundary + step : size
            ranges.append(FileRange(start: start, end: end))
            start = end
        }
        return ranges
    }

    /// The recorded ranges of a file of `size` bytes whose part file is `fileSize` bytes long, in
    /// file order, each cut to what the part file can hold (it may have been truncated or deleted
    /// since); nil when they do not cover the file exactly once, or the part file is longer than
    /// the file: then nothing in it can be trusted.
    package static func resumed(_ recorded: [FileRange], size: Int64, fileSize: Int64) -> [FileRange]? {
        guard fileSize <= size else { return nil }
        let sorted = recorded.sorted { $0.start < $1.start }
        var covered: Int64 = 0
        for range in sorted {
            guard range.start == covered, range.end > range.start, (0...range.length).contains(range.done) else { return nil }
            covered = range.end
        }
        guard covered == size, size > 0 else { return nil }
        return sorted.map { range in
            var range = range
            range.done = min(range.done, max(0, fileSize - range.start))
            return range
        }
    }

    /// How many bytes from the file's start are all in the part file: as far as the md5 can go.
    package static func contiguousPrefix(_ ranges: [FileRange]) -> Int64 {
        var prefix: Int64 = 0
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            guard range.start == prefix else { break }
            prefix = range.next
            if !range.isComplete { break }
        }
        return prefix
    }
}
