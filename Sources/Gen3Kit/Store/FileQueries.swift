/// Every statement the engine runs against the job's tables, by name. States are spelled as
/// literals so SQLite can use the partial indexes (`files_pending`, `files_claimed`).
enum FileQueries: FileSQL {
    // MARK: - Settings

    /// A consistent copy of the whole database in a new file (a plan's scratch job).
    static let copyInto = "VACUUM INTO ?1"

    static let selectSettings =
        "SELECT endpoint, credentials_path, download_path, filename_format, protocol, drs_resolver FROM job_settings WHERE id = 1"
    static let saveSettings = """
        INSERT INTO job_settings (id, endpoint, credentials_path, download_path, filename_format, protocol, drs_resolver,
                                  created_at, updated_at)
        VALUES (1, ?1, ?2, ?3, ?4, ?5, ?7, ?6, ?6)
        ON CONFLICT (id) DO UPDATE SET endpoint = ?1, credentials_path = ?2, download_path = ?3,
            filename_format = ?4, protocol = ?5, drs_resolver = ?7, updated_at = ?6
        """

    // MARK: - Import

    static let insertFile = """
        INSERT INTO files (guid, file_name, dest_name, expected_size, expected_md5, commons, import_id, created_at, updated_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
        ON CONFLICT (guid) DO NOTHING
        """
    /// `insertFile` for `rows` rows at once: a statement per row costs more than the row itself
    /// when a manifest holds a million of them. Parameters 6r+1…6r+6 are row r's guid, file name,
    /// destination, size, md5 and commons; the two after the last row's are the import's id and time, the
    /// same for every row. Without `skipKnownGUIDs` a GUID already in the table is an error (and
    /// needs no unique index on guid).
    static func insertFiles(rows: Int, skipKnownGUIDs: Bool = true) -> String {
        let importID = "?\(rows * rowParameters + 1)"
        let now = "?\(rows * rowParameters + 2)"
        let values = (0..<rows).map { row in
            let p = (1...rowParameters).map { "?\(row * rowParameters + $0)" }
            return "(\(p.joined(separator: ", ")), \(importID), \(now), \(now))"
        }
        return """
            INSERT INTO files (guid, file_name, dest_name, expected_size, expected_md5, commons, import_id, created_at, updated_at)
            VALUES \(values.joined(separator: ", "))
            \(skipKnownGUIDs ? "ON CONFLICT (guid) DO NOTHING" : "")
            """
    }
    /// Parameters per row of `insertFiles`.
    static let rowParameters = 6
    /// How many of `rows` GUIDs (?1…?rows, repeats counted as often as they come) have a row from
    /// import ?(rows+1).
    static func countFromImport(rows: Int) -> String {
        let guids = (1...rows).map { "(?\($0))" }.joined(separator: ", ")
        return """
            WITH batch (guid) AS (VALUES \(guids))
            SELECT count(*) FROM batch JOIN files ON files.guid = batch.guid WHERE files.import_id = ?\(rows + 1)
            """
    }
    /// The unique indexes of `files` (name, CREATE statement), which an empty job's import drops
    /// and builds again after its inserts. (Building the partial ones would read the whole table,
    /// for the few cycles per row that keeping them up to date costs.)
    static let uniqueFileIndexes = """
        SELECT name, sql FROM sqlite_schema
        WHERE type = 'index' AND tbl_name = 'files' AND sql LIKE 'CREATE UNIQUE INDEX %'
        ORDER BY name
        """
    /// The trigger that counts each inserted row in `file_counts` (its CREATE statement), which
    /// an empty job's import drops while it appends.
    static let countingInsertTrigger = "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'file_counts_insert'"
    /// Adds ?2 pending files of ?3 expected bytes in all, ?4 of them of unknown size, to the
    /// counts of commons ?1 ('' for the job's endpoint): what such an import appended.
    static let addPendingCounts = """
        INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
        VALUES (?1, 'pending', ?2, ?3, 0, ?4)
        ON CONFLICT (commons, state) DO UPDATE
        SET files = files + excluded.files, expected_bytes = expected_bytes + excluded.expected_bytes,
            unknown_sizes = unknown_sizes + excluded.unknown_sizes
        """
    static let anyFile = "SELECT 1 FROM files LIMIT 1"
    static let importOfGUID = "SELECT import_id FROM files WHERE guid = ?1"
    static let guidOfDestName = "SELECT guid FROM files WHERE dest_name = ?1"
    static let insertImport = "INSERT INTO imports (manifest, imported_at) VALUES (?1, ?2) RETURNING id"
    static let finishImport = "UPDATE imports SET entries = ?2, added = ?3 WHERE id = ?1"

    // MARK: - Claims

    /// The expected sizes (0 when unknown) of the first ?2 rows due at ?1, in claim order: from
    /// them `JobStore.claimBatch` counts the rows its byte budget allows: summed there, as a window
    /// function in `claimBatch` costs more than this read on every claim.
    static let dueSizes = """
        SELECT coalesce(expected_size, 0) FROM files INDEXED BY files_pending
        WHERE state = 'pending' AND next_attempt_at <= ?1
        ORDER BY next_attempt_at, id
        LIMIT ?2
        """
    /// Takes the first ?4 due rows for owner ?1 until ?2; ?3 is now. In the transaction that
    /// counted them (`dueSizes`), so they are the same rows.
    static let claimBatch = """
        UPDATE files
        SET state = 'claimed', lease_owner = ?1, lease_expires_at = ?2, updated_at = ?3,
            started_at = coalesce(started_at, ?3)
        WHERE id IN (
            SELECT id FROM files INDEXED BY files_pending
            WHERE state = 'pending' AND next_attempt_at <= ?3
            ORDER BY next_attempt_at, id
            LIMIT ?4)
        RETURNING id, guid, file_name, dest_name, expected_size, expected_md5, attempts,
                  attempts > 0 OR started_at IS NOT ?3, commons
        """
    /// The rescuer: rows whose lease ran out go back to pending for any worker.
    static let rescueExpired = """
        UPDATE files SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?1
        WHERE state = 'claimed' AND lease_expires_at < ?1
        """
    static let extendLeases = """
        UPDATE files SET lease_expires_at = ?2
        WHERE state = 'claimed' AND lease_owner = ?1
        """
    /// In-process statements cost no round trip, but each run has a fixed cost: `done` records go
    /// in chunks instead (`DoneRowChunks`, `insertDoneAttempts`, `completeDoneRows`).
    static let completeDoneBatch: String? = nil
    static let ownsClaims = "SELECT EXISTS (SELECT 1 FROM files WHERE state = 'claimed' AND lease_owner = ?1)"
    static let releaseOwner = """
        UPDATE files SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?2
        WHERE state = 'claimed' AND lease_owner = ?1
        """
    /// Bytes on disk of an in-flight transfer, so progress reflects every worker.
    static let updateBytes = "UPDATE files SET bytes_done = ?2 WHERE id = ?1 AND state = 'claimed'"
    /// In-process statements cost no round trip: row by row.
    static let updateBytesBatch: String? = nil
    /// Due rows, counted only up to ?2 so it stays cheap on a million-row job.
    static let countDue = """
        SELECT count(*) FROM (SELECT 1 FROM files INDEXED BY files_pending
                              WHERE state = 'pending' AND next_attempt_at <= ?1 LIMIT ?2)
        """
    static let earliestPending = "SELECT min(next_attempt_at) FROM files WHERE state = 'pending'"
    /// From the counts the triggers keep (migrations/sqlite/0007_file_counts.sql): a few rows
    /// however large the job.
    static let countUnfinished = "SELECT coalesce(sum(files), 0) FROM file_counts WHERE state = 'pending' OR state = 'claimed'"

    // MARK: - Metadata

    static let resolveMetadata = """
        UPDATE files SET file_name = ?2, dest_name = ?3, expected_size = ?4, expected_md5 = ?5, updated_at = ?6
        WHERE id = ?1
        """

    /// Who holds claimed rows (`JobRescuer` frees those of dead local processes).
    static let leaseOwners = "SELECT DISTINCT lease_owner FROM files WHERE state = 'claimed'"

    /// The destinations of the files a run would still download (the plan counts those present).
    static let unfinishedDestNames = "SELECT dest_name FROM files WHERE state IN ('pending', 'claimed', 'failed') AND dest_name IS NOT NULL"

    /// `--rename` at run time: the file goes to a free numbered name (the unique index refuses a taken one).
    static let setDestName = "UPDATE files SET dest_name = ?2, updated_at = ?3 WHERE id = ?1"

    // MARK: - Completion (one transaction per batch)

    static let completeDone = """
        UPDATE files
        SET state = ?2, attempts = attempts + ?3, actual_md5 = ?4, bytes_done = ?5, last_http_status = ?6,
            last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?7, updated_at = ?7
        WHERE id = ?1 AND state IN ('claimed', 'pending')
        """
    static let completeRetry = """
        UPDATE files
        SET state = 'pending', attempts = attempts + 1, next_attempt_at = ?3, last_error = ?4,
            last_http_status = ?5, bytes_done = ?6, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?7
        WHERE id = ?1 AND state = 'claimed' AND lease_owner = ?2
        """
    static let completeFailed = """
        UPDATE files
        SET state = 'failed', attempts = attempts + 1, last_error = ?3, last_http_status = ?4, bytes_done = ?5,
            lease_owner = NULL, lease_expires_at = NULL, finished_at = ?6, updated_at = ?6
        WHERE id = ?1 AND state = 'claimed' AND lease_owner = ?2
        """
    static let completeReleased = """
        UPDATE files
        SET state = 'pending', bytes_done = ?3, last_error = coalesce(?4, last_error),
            lease_owner = NULL, lease_expires_at = NULL, updated_at = ?5
        WHERE id = ?1 AND state = 'claimed' AND lease_owner = ?2
        """
    static let completeDeferred = """
        UPDATE files
        SET state = 'pending', bytes_done = ?3, last_error = ?4, next_attempt_at = max(next_attempt_at, ?6),
            lease_owner = NULL, lease_expires_at = NULL, updated_at = ?5
        WHERE id = ?1 AND state = 'claimed' AND lease_owner = ?2
        """
    /// The attempts of `rows` files finished `done` (`DoneRowChunks`), run before
    /// `completeDoneRows` updates the same rows: numbered as that update will count them, and
    /// only for the rows it will change. ?1 is the worker; each row then gives 7 parameters: id,
    /// md5, bytes on disk, HTTP status, start, end, bytes received.
    static func insertDoneAttempts(rows: Int) -> String {
        insertDoneAttemptsByPower[powerOfTwo(rows)]
    }
    /// `completeDone` for `rows` files finished `done`, each row's 7 parameters as in
    /// `insertDoneAttempts`, from ?1.
    static func completeDoneRows(rows: Int) -> String {
        completeDoneRowsByPower[powerOfTwo(rows)]
    }
    private static func powerOfTwo(_ rows: Int) -> Int {
        precondition(rows > 0 && rows <= DoneRowChunks.largest && rows & (rows - 1) == 0, "\(rows) rows")
        return rows.trailingZeroBitCount
    }
    private static func doneValues(rows: Int, from first: Int) -> String {
        (0..<rows).map { row in
            "(" + (0..<7).map { "?\(first + row * 7 + $0)" }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }
    private static let insertDoneAttemptsByPower = (0...DoneRowChunks.largest.trailingZeroBitCount).map { power in
        """
        INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome, http_status, error, bytes)
        SELECT d.column1, f.attempts + 1, ?1, d.column5, d.column6, 'done', d.column4, NULL, d.column7
        FROM (VALUES \(doneValues(rows: 1 << power, from: 2))) AS d
        JOIN files f ON f.id = d.column1
        WHERE f.state IN ('claimed', 'pending')
        """
    }
    private static let completeDoneRowsByPower = (0...DoneRowChunks.largest.trailingZeroBitCount).map { power in
        """
        UPDATE files
        SET state = 'done', attempts = attempts + 1, actual_md5 = d.column2, bytes_done = d.column3,
            last_http_status = d.column4, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL,
            finished_at = d.column6, updated_at = d.column6
        FROM (VALUES \(doneValues(rows: 1 << power, from: 1))) AS d
        WHERE files.id = d.column1 AND files.state IN ('claimed', 'pending')
        """
    }
    static let insertAttempt = """
        INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome, http_status, error, bytes)
        VALUES (?1, (SELECT attempts FROM files WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        """

    // MARK: - Retry and reporting

    static let retryFailed = """
        UPDATE files SET state = 'pending', attempts = 0, next_attempt_at = 0, updated_at = ?1
        WHERE state = 'failed'
        """
    /// The `progress` view, which sums the few rows of `file_counts`.
    static let countsByState = "SELECT state, files, expected_bytes, bytes_done FROM progress"
    static let failedFiles = """
        SELECT guid, coalesce(last_error, ''), attempts, last_http_status FROM files
        WHERE state = 'failed' ORDER BY id LIMIT ?1
        """
    static let guidsInState = "SELECT guid FROM files WHERE state = ?1 ORDER BY id"
    /// Bytes received by attempts that finished since ?1.
    static let bytesReceivedSince = "SELECT coalesce(sum(bytes), 0) FROM attempts WHERE finished_at >= ?1"
    /// The reasons files failed, the most common first.
    static let failureReasons = """
        SELECT coalesce(last_error, ''), count(*) FROM files WHERE state = 'failed'
        GROUP BY last_error ORDER BY count(*) DESC, last_error LIMIT ?1
        """
}
