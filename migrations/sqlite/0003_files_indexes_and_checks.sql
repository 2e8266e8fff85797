-- Two changes to files, the same rules:
-- * The UNIQUE constraints on guid and dest_name become named unique indexes, which a job's first
--   import can drop and build again once its rows are in. Building an index sorts the keys once;
--   keeping it up to date put each random GUID into a random page of a large index (1M random
--   GUIDs: 20 s became 7 s).
-- * CHECK (state IN (...)) becomes a chain of comparisons. SQLite evaluates an IN list of five
--   by filling a temporary B-tree with them for every row it writes: about a quarter of the
--   instructions of an import, and again on every claim and outcome. attempts.outcome likewise.
-- SQLite cannot change a column's constraints, so both tables are rebuilt (its documented
-- procedure; the migrator turns foreign keys off around it and checks them before committing).
-- The views that read files are dropped first and created again unchanged.
DROP VIEW progress;
DROP VIEW failures;
DROP VIEW retrying;

CREATE TABLE files_rebuilt (
    id               INTEGER PRIMARY KEY,
    guid             TEXT NOT NULL,
    file_name        TEXT,            -- the name as the manifest or indexd gave it (untrusted)
    dest_name        TEXT,            -- the safe name inside download_path, decided once
    expected_size    INTEGER,
    expected_md5     TEXT,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state = 'pending' OR state = 'claimed' OR state = 'done' OR state = 'failed'
                            OR state = 'skipped'),
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
INSERT INTO files_rebuilt SELECT * FROM files;
DROP TABLE files;
ALTER TABLE files_rebuilt RENAME TO files;

-- ManifestImporter drops and recreates these two from their text here (sqlite_schema).
CREATE UNIQUE INDEX files_guid ON files (guid);
CREATE UNIQUE INDEX files_dest_name ON files (dest_name);
CREATE INDEX files_pending ON files (next_attempt_at) WHERE state = 'pending';
CREATE INDEX files_claimed ON files (lease_expires_at) WHERE state = 'claimed';

CREATE TABLE attempts_rebuilt (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files (id),
    attempt     INTEGER NOT NULL,
    worker      TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL NOT NULL,
    outcome     TEXT NOT NULL
                CHECK (outcome = 'done' OR outcome = 'retry' OR outcome = 'failed' OR outcome = 'released'),
    http_status INTEGER,
    error       TEXT,
    bytes       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO attempts_rebuilt SELECT * FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_rebuilt RENAME TO attempts;
CREATE INDEX attempts_file ON attempts (file_id);

CREATE VIEW progress AS
SELECT state,
       count(*)                       AS files,
       coalesce(sum(expected_size), 0) AS expected_bytes,
       coalesce(sum(bytes_done), 0)    AS bytes_done,
       sum(expected_size IS NULL)      AS unknown_sizes
FROM files
GROUP BY state;

CREATE VIEW failures AS
SELECT guid, file_name, attempts, last_http_status, last_error,
       datetime(finished_at, 'unixepoch') AS failed_at
FROM files
WHERE state = 'failed'
ORDER BY id;

CREATE VIEW retrying AS
SELECT guid, file_name, attempts, last_http_status, last_error,
       datetime(next_attempt_at, 'unixepoch') AS next_attempt
FROM files
WHERE state = 'pending' AND attempts > 0
ORDER BY next_attempt_at;
