/// Finished files committed to SQLite by two statements per chunk of files instead of two per
/// file: each statement's run has a fixed cost (binding, a statement journal for its trigger,
/// halting) that is larger than the row's own work when the files are small and come by the
/// thousand.
///
/// Chunks are powers of two up to `largest` rows, so a connection prepares at most a few
/// statement texts whatever the group sizes are.
struct DoneRowChunks {
    static let largest = 64

    /// Each chunk's parameters for `FileQueries.insertDoneAttempts` (the worker, then the rows)
    /// and for `FileQueries.completeDoneRows` (the rows), and its row count.
    let chunks: [(rows: Int, attempts: [SQLValue], updates: [SQLValue])]

    /// Nil unless every record is a `done` and no file comes twice: a batch with anything else
    /// goes row by row, in the order its records were given.
    init?(_ records: [AttemptRecord], owner: LeaseOwner, time: (Double) -> SQLValue) {
        var seen = Set<Int64>()
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(records.count)
        for record in records {
            guard case .done(let md5) = record.outcome, seen.insert(record.fileID).inserted else { return nil }
            rows.append([
                .integer(record.fileID), .text(md5), .integer(record.bytesOnDisk), SQLValue(record.httpStatus),
                time(record.startedAt), time(record.finishedAt), .integer(record.bytesReceived),
            ])
        }
        let worker = SQLValue.text(owner.description)
        var chunks: [(rows: Int, attempts: [SQLValue], updates: [SQLValue])] = []
        var start = 0
        for size in Self.sizes(rows.count) {
            let updates = rows[start..<start + size].flatMap { $0 }
            chunks.append((size, [worker] + updates, updates))
            start += size
        }
        self.chunks = chunks
    }

    /// `count` as chunk sizes, largest first: `largest` while that many are left, then the powers
    /// of two of the rest.
    static func sizes(_ count: Int) -> [Int] {
        var sizes: [Int] = []
        var left = count
        while left > 0 {
            var size = largest
            while size > left { size /= 2 }
            sizes.append(size)
            left -= size
        }
        return sizes
    }
}
