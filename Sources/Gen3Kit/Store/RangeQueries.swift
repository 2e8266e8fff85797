/// The statements over `file_ranges`: the byte ranges of files fetched in parts (`RangePlan`).
enum RangeQueries: RangeSQL {
    static let selectRanges = "SELECT start_offset, end_offset, done FROM file_ranges WHERE file_id = ?1 ORDER BY start_offset"
    static let deleteRanges = "DELETE FROM file_ranges WHERE file_id = ?1"
    static let insertRange = "INSERT INTO file_ranges (file_id, start_offset, end_offset, done) VALUES (?1, ?2, ?3, ?4)"
    /// Only rows that exist: a file that fell back to one connection has none left to update.
    static let updateDone = "UPDATE file_ranges SET done = ?3 WHERE file_id = ?1 AND start_offset = ?2"
}
