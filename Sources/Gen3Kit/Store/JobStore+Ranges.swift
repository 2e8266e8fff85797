/// The byte ranges of files fetched in parts (`file_ranges`): written before a ranged attempt's
/// first byte, raised as its bytes reach the part file, gone once the file is done.
extension JobStore {
    /// A file's recorded ranges in file order; none for a file fetched whole.
    package func ranges(fileID: Int64) throws -> [FileRange] {
        try database.rows(sql.ranges.selectRanges, .integer(fileID)) { row in
            FileRange(start: row.int64(0), end: row.int64(1), done: row.int64(2))
        }
    }

    /// Makes `ranges` a file's recorded ranges, in one transaction.
    package func replaceRanges(fileID: Int64, _ ranges: [FileRange]) throws {
        try database.transaction {
            try database.run(sql.ranges.deleteRanges, .integer(fileID))
            for range in ranges {
                try database.run(sql.ranges.insertRange, .integer(fileID), .integer(range.start), .integer(range.end), .integer(range.done))
            }
        }
    }

    /// Records how far ranges have got, in one transaction.
    package func saveRangeProgress(_ progress: [(fileID: Int64, range: FileRange)]) throws {
        guard !progress.isEmpty else { return }
        try database.transaction {
            for entry in progress {
                try database.run(sql.ranges.updateDone, .integer(entry.fileID), .integer(entry.range.start), .integer(entry.range.done))
            }
        }
    }

    /// Forgets a file's ranges: its part file was deleted, or now holds only a prefix written in order.
    package func deleteRanges(fileID: Int64) throws {
        try database.run(sql.ranges.deleteRanges, .integer(fileID))
    }
}
