-- The job: one row of settings, one row per file, one row per attempt.
-- Times are Unix seconds (REAL); datetime(x, 'unixepoch') shows them.

-- The job's settings. Holds the credentials file's *path* only: never a key or a token.
CREATE TABLE job_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    endpoint         TEXT,
    credentials_path TEXT,
    download_path    TEXT NOT NULL,
    filename_format  TEXT NOT NULL DEFAULT 'original'
                     CHECK (filename_format IN ('original', 'guid', 'combined')),
    protocol         TEXT,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL
);

-- One row per GUID. State machine (mirrored by JobState in Swift):
--   pending -> claimed (a worker's claim) -> done | pending (retry later) | failed
--   claimed -> pending (lease expired or worker died: the rescuer)
--   failed  -> pending (gen3 retry)
--   pending -> skipped (already present at its destination)
CREATE TABLE files (
    id               INTEGER PRIMARY KEY,
    guid             TEXT NOT NULL UNIQUE,
    file_name        TEXT,            -- the name as the manifest or indexd gave it (untrusted)
    dest_name        TEXT UNIQUE,     -- the safe name inside download_path, decided once
    expected_size    INTEGER,
    expected_md5     TEXT,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  REAL NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at REAL,
    bytes_done       INTEGER NOT NULL DEFAULT 0,
    actual_md5       TEXT,
    last_error       TEXT,
    last_http_status INTEGER,
    import_id        INTEGER NOT NULL,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    started_at       REAL,
    finished_at      REAL
);

-- Claims scan only pending rows in due order; the rescuer scans only claimed rows.
CREATE INDEX files_pending ON files (next_attempt_at) WHERE state = 'pending';
CREATE INDEX files_claimed ON files (lease_expires_at) WHERE state = 'claimed';
CREATE INDEX files_state ON files (state);

-- One row per try of a file.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files (id),
    attempt     INTEGER NOT NULL,
    worker      TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'retry', 'failed', 'released')),
    http_status INTEGER,
    error       TEXT,
    bytes       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempts_file ON attempts (file_id);

-- One row per import-manifest call.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    manifest    TEXT NOT NULL,
    entries     INTEGER NOT NULL DEFAULT 0,
    added       INTEGER NOT NULL DEFAULT 0,
    imported_at REAL NOT NULL
);

-- gen3 sql "SELECT * FROM progress"
CREATE VIEW progress AS
SELECT state,
       count(*)                       AS files,
       coalesce(sum(expected_size), 0) AS expected_bytes,
       coalesce(sum(bytes_done), 0)    AS bytes_done,
       sum(expected_size IS NULL)      AS unknown_sizes
FROM files
GROUP BY state;

-- gen3 sql "SELECT * FROM failures"
CREATE VIEW failures AS
SELECT guid, file_name, attempts, last_http_status, last_error,
       datetime(finished_at, 'unixepoch') AS failed_at
FROM files
WHERE state = 'failed'
ORDER BY id;

-- gen3 sql "SELECT * FROM retrying": rows that failed at least once and will be tried again.
CREATE VIEW retrying AS
SELECT guid, file_name, attempts, last_http_status, last_error,
       datetime(next_attempt_at, 'unixepoch') AS next_attempt
FROM files
WHERE state = 'pending' AND attempts > 0
ORDER BY next_attempt_at;
