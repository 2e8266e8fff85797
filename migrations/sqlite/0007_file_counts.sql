-- Files and bytes per commons and state, kept exact by triggers in the transaction of every change
-- to a file's row, so that `gen3 status`, a run's progress and an idle worker's "anything left?"
-- read a few rows instead of every file (a whole-commons mirror is a hundred million). The views
-- `progress` and `commons` read this table.

-- One row per commons (files.commons, '' where that is NULL: the job's endpoint) and state. A
-- row whose files fall to 0 stays, at 0: the views leave it out.
CREATE TABLE file_counts (
    commons        TEXT NOT NULL,
    state          TEXT NOT NULL,
    files          INTEGER NOT NULL,
    expected_bytes INTEGER NOT NULL,   -- files of unknown size count 0, as in sum(expected_size)
    bytes_done     INTEGER NOT NULL,
    unknown_sizes  INTEGER NOT NULL,   -- files whose expected_size is NULL
    PRIMARY KEY (commons, state)
) WITHOUT ROWID;

INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
SELECT coalesce(commons, ''), state, count(*), coalesce(sum(expected_size), 0), sum(bytes_done), sum(expected_size IS NULL)
FROM files
GROUP BY 1, 2;

-- Every way a row comes, changes what is counted, or goes. (A REPLACE that deletes a row fires
-- the delete trigger only with recursive_triggers on, which every gen3 connection sets.) An empty
-- job's import drops the insert trigger while it appends, and counts what it added itself
-- (EmptyJobImport.swift), as it does for the unique indexes.
CREATE TRIGGER file_counts_insert AFTER INSERT ON files
BEGIN
    INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
    VALUES (coalesce(new.commons, ''), new.state, 1, coalesce(new.expected_size, 0), new.bytes_done, new.expected_size IS NULL)
    ON CONFLICT (commons, state) DO UPDATE
    SET files = files + 1, expected_bytes = expected_bytes + excluded.expected_bytes,
        bytes_done = bytes_done + excluded.bytes_done, unknown_sizes = unknown_sizes + excluded.unknown_sizes;
END;

CREATE TRIGGER file_counts_update AFTER UPDATE OF commons, state, expected_size, bytes_done ON files
WHEN old.commons IS NOT new.commons OR old.state IS NOT new.state OR old.expected_size IS NOT new.expected_size
     OR old.bytes_done IS NOT new.bytes_done
BEGIN
    UPDATE file_counts
    SET files = files - 1, expected_bytes = expected_bytes - coalesce(old.expected_size, 0),
        bytes_done = bytes_done - old.bytes_done, unknown_sizes = unknown_sizes - (old.expected_size IS NULL)
    WHERE commons = coalesce(old.commons, '') AND state = old.state;
    INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
    VALUES (coalesce(new.commons, ''), new.state, 1, coalesce(new.expected_size, 0), new.bytes_done, new.expected_size IS NULL)
    ON CONFLICT (commons, state) DO UPDATE
    SET files = files + 1, expected_bytes = expected_bytes + excluded.expected_bytes,
        bytes_done = bytes_done + excluded.bytes_done, unknown_sizes = unknown_sizes + excluded.unknown_sizes;
END;

CREATE TRIGGER file_counts_delete AFTER DELETE ON files
BEGIN
    UPDATE file_counts
    SET files = files - 1, expected_bytes = expected_bytes - coalesce(old.expected_size, 0),
        bytes_done = bytes_done - old.bytes_done, unknown_sizes = unknown_sizes - (old.expected_size IS NULL)
    WHERE commons = coalesce(old.commons, '') AND state = old.state;
END;

-- The same views, from the counts.
DROP VIEW progress;
CREATE VIEW progress AS
SELECT state,
       sum(files)          AS files,
       sum(expected_bytes) AS expected_bytes,
       sum(bytes_done)     AS bytes_done,
       sum(unknown_sizes)  AS unknown_sizes
FROM file_counts
GROUP BY state
HAVING sum(files) > 0;

DROP VIEW commons;
CREATE VIEW commons AS
SELECT coalesce(nullif(commons, ''), (SELECT endpoint FROM job_settings WHERE id = 1), '(the job''s endpoint)') AS commons,
       state,
       sum(files)          AS files,
       sum(expected_bytes) AS expected_bytes,
       sum(bytes_done)     AS bytes_done
FROM file_counts
GROUP BY 1, state
HAVING sum(files) > 0;
