/// The byte ranges of files fetched in parts (`file_ranges`): written before a ranged attempt's
/// first byte, raised as its bytes reach the part file, gone once the file is done.
extension JobStore {
    /// A file's recorded ranges in file order; none for a file fetched whole.
    package func ranges(fileID: Int64) throws -> [FileRange] {
        try statement(RangeQueries.selectRanges).rows(.integer(fileID)) { row in
            FileRange(start: row.int64(0), end: row.int64(1), done: row.int64(2))
        }
    }

    /// Makes `ranges` a file's recorded ranges, in one transaction.
    package func replaceRanges(fileID: Int64, _ ranges: [FileRange]) throws {
        try connection.transaction(.immediate) {
            try statement(RangeQueries.deleteRanges).run(.integer(fileID))
            let insert = try statement(RangeQueries.insertRange)
            for range in ranges {
                try insert.run(.integer(fileID), .integer(range.start), .integer(range.end), .integer(range.done))
            }
        }
    }

    /// Records how far ranges have got, in one transaction.
    package func saveRangeProgress(_ progress: [(fileID: Int64, range: FileRange)]) throws {
        guard !progress.isEmpty else { return }
        try connection.transaction(.immediate) {
            let update = try statement(RangeQueries.updateDone)
            for entry in progress { try update.run(.integer(entry.fileID), .integer(entry.range.start), .integer(entry.range.done)) }
        }
    }

    /// Forgets a file's ranges: its part file was deleted, or now holds only a prefix written in order.
    package func deleteRanges(fileID: Int64) throws {
        try statement(RangeQueries.deleteRanges).run(.integer(fileID))
    }
}
