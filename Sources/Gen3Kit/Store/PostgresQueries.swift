/// `FileQueries` in PostgreSQL's SQL: the same operations, with `$N` parameters, claims that skip
/// rows another worker has locked instead of waiting for them, and PostgreSQL's spelling where
/// SQLite's differs. Every time is one the store put on the server's clock.
enum PostgresFileQueries: FileSQL {
    static let selectSettings =
        "SELECT endpoint, credentials_path, download_path, filename_format, protocol, drs_resolver FROM job_settings WHERE id = 1"
    static let saveSettings = """
        INSERT INTO job_settings (id, endpoint, credentials_path, download_path, filename_format, protocol, drs_resolver,
                                  created_at, updated_at)
        VALUES (1, $1, $2, $3, $4, $5, $7, $6, $6)
        ON CONFLICT (id) DO UPDATE SET endpoint = $1, credentials_path = $2, download_path = $3,
            filename_format = $4, protocol = $5, drs_resolver = $7, updated_at = $6
        """

    static let anyFile = "SELECT 1 FROM files LIMIT 1"
    static let importOfGUID = "SELECT import_id FROM files WHERE guid = $1"
    static let guidOfDestName = "SELECT guid FROM files WHERE dest_name = $1"
    static let insertImport = "INSERT INTO imports (manifest, imported_at) VALUES ($1, $2) RETURNING id"
    static let finishImport = "UPDATE imports SET entries = $2, added = $3 WHERE id = $1"
    static let insertFile = """
        INSERT INTO files (guid, file_name, dest_name, expected_size, expected_md5, commons, import_id, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
        ON CONFLICT (guid) DO NOTHING
        """

    /// `FileQueries.claimBatch`. The due rows are locked as they are picked, and rows another
    /// transaction holds are passed over, so that claimers on many machines take disjoint batches
    /// without queueing behind each other.
    static let claimBatch = """
        UPDATE files
        SET state = 'claimed', lease_owner = $1, lease_expires_at = $2, updated_at = $3,
            started_at = coalesce(started_at, $3)
        WHERE id IN (
            SELECT id FROM (
                SELECT id, sum(size) OVER (ORDER BY next_attempt_at, id ROWS UNBOUNDED PRECEDING) - size AS before
                FROM (SELECT id, next_attempt_at, coalesce(expected_size, 0) AS size
                      FROM files
                      WHERE state = 'pending' AND next_attempt_at <= $3
                      ORDER BY next_attempt_at, id
                      LIMIT $4
                      FOR UPDATE SKIP LOCKED) AS due) AS running
            WHERE before < $5)
        RETURNING id, guid, file_name, dest_name, expected_size, expected_md5, attempts,
                  attempts > 0 OR started_at IS DISTINCT FROM $3, commons
        """
    /// Rows another rescuer is already returning are left to it.
    static let rescueExpired = """
        UPDATE files SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
        WHERE id IN (SELECT id FROM files WHERE state = 'claimed' AND lease_expires_at < $1 FOR UPDATE SKIP LOCKED)
        """
    static let extendLeases = """
        UPDATE files SET lease_expires_at = $2
        WHERE state = 'claimed' AND lease_owner = $1
        """
    static let ownsClaims = "SELECT (EXISTS (SELECT 1 FROM files WHERE state = 'claimed' AND lease_owner = $1))::int"
    static let releaseOwner = """
        UPDATE files SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = $2
        WHERE state = 'claimed' AND lease_owner = $1
        """
    static let updateBytes = "UPDATE files SET bytes_done = $2 WHERE id = $1 AND state = 'claimed'"
    /// `updateBytes` for every in-flight file at once: a statement per file would be a round trip
    /// each, on the transfer loop, every second. Rows are locked in file order first, as
    /// `completeDoneBatch` does, so that two sessions cannot deadlock on them.
    static let updateBytesBatch: String? = """
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS i (id, bytes)
        ), locked AS (
            SELECT f.id FROM files f JOIN input i ON i.id = f.id
            WHERE f.state = 'claimed'
            ORDER BY f.id
            FOR UPDATE OF f
        )
        UPDATE files f SET bytes_done = i.bytes
        FROM input i
        WHERE f.id = i.id AND f.id IN (SELECT id FROM locked)
        """
    static let countDue = """
        SELECT count(*) FROM (SELECT 1 FROM files WHERE state = 'pending' AND next_attempt_at <= $1 LIMIT $2) AS due
        """
    static let earliestPending = "SELECT min(next_attempt_at) FROM files WHERE state = 'pending'"
    /// The sum of the counts' rows (migrations/postgres/0007_file_counts.sql): a few thousand at
    /// most, however large the job.
    static let countUnfinished = "SELECT coalesce(sum(files), 0) FROM file_counts WHERE state IN ('pending', 'claimed')"

    static let resolveMetadata = """
        UPDATE files SET file_name = $2, dest_name = $3, expected_size = $4, expected_md5 = $5, updated_at = $6
        WHERE id = $1
        """
    static let leaseOwners = "SELECT DISTINCT lease_owner FROM files WHERE state = 'claimed'"
    static let unfinishedDestNames = "SELECT dest_name FROM files WHERE state IN ('pending', 'claimed', 'failed') AND dest_name IS NOT NULL"
    static let setDestName = "UPDATE files SET dest_name = $2, updated_at = $3 WHERE id = $1"

    static let completeDone = """
        UPDATE files
        SET state = $2, attempts = attempts + $3, actual_md5 = $4, bytes_done = $5, last_http_status = $6,
            last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = $7, updated_at = $7
        WHERE id = $1 AND state IN ('claimed', 'pending')
        """
    static let completeRetry = """
        UPDATE files
        SET state = 'pending', attempts = attempts + 1, next_attempt_at = $3, last_error = $4,
            last_http_status = $5, bytes_done = $6, lease_owner = NULL, lease_expires_at = NULL, updated_at = $7
        WHERE id = $1 AND state = 'claimed' AND lease_owner = $2
        """
    static let completeFailed = """
        UPDATE files
        SET state = 'failed', attempts = attempts + 1, last_error = $3, last_http_status = $4, bytes_done = $5,
            lease_owner = NULL, lease_expires_at = NULL, finished_at = $6, updated_at = $6
        WHERE id = $1 AND state = 'claimed' AND lease_owner = $2
        """
    static let completeReleased = """
        UPDATE files
        SET state = 'pending', bytes_done = $3, last_error = coalesce($4, last_error),
            lease_owner = NULL, lease_expires_at = NULL, updated_at = $5
        WHERE id = $1 AND state = 'claimed' AND lease_owner = $2
        """
    static let completeDeferred = """
        UPDATE files
        SET state = 'pending', bytes_done = $3, last_error = $4, next_attempt_at = greatest(next_attempt_at, $6),
            lease_owner = NULL, lease_expires_at = NULL, updated_at = $5
        WHERE id = $1 AND state = 'claimed' AND lease_owner = $2
        """
    /// `completeDone` and `insertAttempt` for every file of a `DoneRecordBatch`. The rows are locked
    /// in file order first, as `JobStore.record` goes row by row, so that two sessions cannot
    /// deadlock on them.
    static let completeDoneBatch: String? = """
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::integer[], $5::double precision[],
                                 $6::double precision[], $7::bigint[])
                AS i (id, md5, bytes, status, started, finished, received)
        ), locked AS (
            SELECT f.id FROM files f JOIN input i ON i.id = f.id
            WHERE f.state IN ('claimed', 'pending')
            ORDER BY f.id
            FOR UPDATE OF f
        ), done AS (
            UPDATE files f
            SET state = 'done', attempts = f.attempts + 1, actual_md5 = i.md5, bytes_done = i.bytes, last_http_status = i.status,
                last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = i.finished, updated_at = i.finished
            FROM input i
            WHERE f.id = i.id AND f.id IN (SELECT id FROM locked)
            RETURNING f.id, f.attempts
        )
        INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome, http_status, error, bytes)
        SELECT d.id, d.attempts, $8, i.started, i.finished, 'done', i.status, NULL, i.received
        FROM done d JOIN input i ON i.id = d.id
        """
    static let insertAttempt = """
        INSERT INTO attempts (file_id, attempt, worker, started_at, finished_at, outcome, http_status, error, bytes)
        VALUES ($1, (SELECT attempts FROM files WHERE id = $1), $2, $3, $4, $5, $6, $7, $8)
        """

    static let retryFailed = """
        UPDATE files SET state = 'pending', attempts = 0, next_attempt_at = 0, updated_at = $1
        WHERE state = 'failed'
        """
    static let countsByState = "SELECT state, files, expected_bytes, bytes_done FROM progress"
    /// A limit of -1 means every row, as in SQLite.
    static let failedFiles = """
        SELECT guid, coalesce(last_error, ''), attempts, last_http_status FROM files
        WHERE state = 'failed' ORDER BY id LIMIT nullif($1::bigint, -1)
        """
    static let guidsInState = "SELECT guid FROM files WHERE state = $1 ORDER BY id"
    static let bytesReceivedSince = "SELECT coalesce(sum(bytes), 0) FROM attempts WHERE finished_at >= $1"
    static let failureReasons = """
        SELECT coalesce(last_error, ''), count(*) FROM files WHERE state = 'failed'
        GROUP BY last_error ORDER BY count(*) DESC, last_error LIMIT $1
        """
}

/// `CommonsQueries` in PostgreSQL's SQL.
enum PostgresCommonsQueries: CommonsSQL {
    static let setCommons = "UPDATE files SET commons = $2 WHERE id = $1 AND commons IS NULL"
    static let selectResolverCache = "SELECT commons, source, resolved_at FROM resolver_cache WHERE key = $1"
    static let firstDue = "SELECT guid, commons FROM files WHERE state = 'pending' ORDER BY next_attempt_at, id LIMIT $1"
    static let saveResolverCache = """
        INSERT INTO resolver_cache (key, commons, source, resolved_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (key) DO UPDATE SET commons = $2, source = $3, resolved_at = $4
        """
    static let selectCredentials = "SELECT commons, credentials_path FROM commons_credentials ORDER BY commons"
    static let saveCredentials = """
        INSERT INTO commons_credentials (commons, credentials_path) VALUES ($1, $2)
        ON CONFLICT (commons) DO UPDATE SET credentials_path = $2
        """
    static let countsByCommons = "SELECT commons, state, files, expected_bytes, bytes_done FROM commons ORDER BY commons, state"
}

/// `RangeQueries` in PostgreSQL's SQL.
enum PostgresRangeQueries: RangeSQL {
    static let selectRanges = "SELECT start_offset, end_offset, done FROM file_ranges WHERE file_id = $1 ORDER BY start_offset"
    static let deleteRanges = "DELETE FROM file_ranges WHERE file_id = $1"
    static let insertRange = "INSERT INTO file_ranges (file_id, start_offset, end_offset, done) VALUES ($1, $2, $3, $4)"
    static let updateDone = "UPDATE file_ranges SET done = $3 WHERE file_id = $1 AND start_offset = $2"
}
