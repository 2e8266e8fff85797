/// The counts the job keeps (`file_counts`, and the `progress` view over it) next to a recount of
/// `files` itself, each as rows in the same order and the same types in SQLite and PostgreSQL:
/// equal when the counts are exact.
public enum FileCountsCheck {
    /// Per commons and state; a row whose sums are all zero is no row.
    public static let counts = """
        SELECT commons, state, CAST(sum(files) AS BIGINT), CAST(sum(expected_bytes) AS BIGINT), CAST(sum(bytes_done) AS BIGINT),
               CAST(sum(unknown_sizes) AS BIGINT)
        FROM file_counts
        GROUP BY commons, state
        HAVING sum(files) <> 0 OR sum(expected_bytes) <> 0 OR sum(bytes_done) <> 0 OR sum(unknown_sizes) <> 0
        ORDER BY commons, state
        """
    public static let recount = """
        SELECT coalesce(commons, ''), state, count(*), CAST(coalesce(sum(expected_size), 0) AS BIGINT),
               CAST(coalesce(sum(bytes_done), 0) AS BIGINT), count(*) - count(expected_size)
        FROM files
        GROUP BY coalesce(commons, ''), state
        ORDER BY 1, 2
        """
    /// The `progress` view, and the same by a recount.
    public static let progress = """
        SELECT state, files, CAST(expected_bytes AS BIGINT), CAST(bytes_done AS BIGINT), unknown_sizes FROM progress ORDER BY state
        """
    public static let progressRecount = """
        SELECT state, count(*), CAST(coalesce(sum(expected_size), 0) AS BIGINT), CAST(coalesce(sum(bytes_done), 0) AS BIGINT),
               count(*) - count(expected_size)
        FROM files
        GROUP BY state
        ORDER BY state
        """
}

extension JobFixture {
    /// How the job's counts differ from a recount of its files (through `gen3 sql`), or nil when
    /// they are exact.
    public func countsDrift() throws -> String? {
        let counts = try sql(FileCountsCheck.counts)
        let recount = try sql(FileCountsCheck.recount)
        let progress = try sql(FileCountsCheck.progress)
        let progressRecount = try sql(FileCountsCheck.progressRecount)
        guard counts != recount || progress != progressRecount else { return nil }
        return "file_counts \(counts), recounted \(recount); progress \(progress), recounted \(progressRecount)"
    }
}
