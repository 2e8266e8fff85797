-- Files and bytes per commons and state, kept exact in the transaction of every change to files
-- (as migrations/sqlite/0007_file_counts.sql says), so that status, progress and an idle worker's
-- "anything left?" read a few rows instead of every file.
--
-- Here many machines claim and record at once, so the table is not one row per commons and
-- state updated in place: every transaction that touched such a row would hold its lock until it
-- committed, and claimers and recorders everywhere would queue behind one another (or deadlock,
-- taking two states' rows in opposite orders). Sharding those rows (by backend, say) would only
-- shorten the queues. Instead each statement that changes files appends its net change, a row per
-- commons and state it touched, and appends never wait for one another. The counts are the sums
-- of the rows a snapshot sees, exact for that snapshot. Now and then a statement also folds the
-- rows into one per commons and state (deleting those it sees, adding their sums, in its own
-- transaction), so there are at most a few thousand to sum; one folder at a time, and a statement
-- that finds another folding leaves it to that one instead of waiting.
--
-- The triggers are per statement, with the statement's old and new rows as tables: a claim of
-- 64 rows appends its sums once instead of once per row. An empty job's import turns the insert
-- trigger off while it adds its rows, and counts them itself (PostgresImport.swift).
CREATE TABLE file_counts (
    commons        TEXT NOT NULL,      -- files.commons, '' where that is NULL (the job's endpoint)
    state          TEXT NOT NULL,
    files          BIGINT NOT NULL,
    expected_bytes NUMERIC NOT NULL,   -- a sum of sizes, which a bigint might not hold
    bytes_done     NUMERIC NOT NULL,
    unknown_sizes  BIGINT NOT NULL
);
-- Folds delete rows all the time: vacuumed after a thousand dead ones, not a fifth of the table.
ALTER TABLE file_counts SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- Writers wait here until the counts below are filled and the triggers are in place, so that no
-- change is counted twice or missed.
LOCK TABLE files IN SHARE ROW EXCLUSIVE MODE;

CREATE FUNCTION file_counts_fold() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- A key of its own (the migrations' lock, "gen3" in ASCII, plus one), held to the commit.
    IF pg_try_advisory_xact_lock(1734700596) THEN
        WITH folded AS (DELETE FROM file_counts RETURNING *)
        INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
        SELECT commons, state, sum(files), sum(expected_bytes), sum(bytes_done), sum(unknown_sizes)
        FROM folded
        GROUP BY commons, state
        HAVING sum(files) <> 0 OR sum(expected_bytes) <> 0 OR sum(bytes_done) <> 0 OR sum(unknown_sizes) <> 0;
    END IF;
END;
$$;

-- One statement in 32 folds: the table holds the rows of a few dozen statements (and of those
-- not yet committed) however many run.
CREATE FUNCTION file_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
    SELECT coalesce(commons, ''), state, count(*), coalesce(sum(expected_size), 0), sum(bytes_done),
           count(*) FILTER (WHERE expected_size IS NULL)
    FROM inserted
    GROUP BY 1, 2;
    IF random() < 1.0 / 32 THEN PERFORM file_counts_fold(); END IF;
    RETURN NULL;
END;
$$;

-- Every UPDATE of files comes here (a trigger with transition tables cannot name columns); one
-- that changes nothing counted, such as a heartbeat's, nets to nothing and appends nothing.
CREATE FUNCTION file_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
    SELECT commons, state, sum(files), sum(expected_bytes), sum(bytes_done), sum(unknown_sizes)
    FROM (SELECT coalesce(commons, '') AS commons, state, 1 AS files, coalesce(expected_size, 0) AS expected_bytes,
                 bytes_done, (expected_size IS NULL)::int AS unknown_sizes
          FROM updated
          UNION ALL
          SELECT coalesce(commons, ''), state, -1, -coalesce(expected_size, 0), -bytes_done, -(expected_size IS NULL)::int
          FROM replaced) AS change
    GROUP BY commons, state
    HAVING sum(files) <> 0 OR sum(expected_bytes) <> 0 OR sum(bytes_done) <> 0 OR sum(unknown_sizes) <> 0;
    IF random() < 1.0 / 32 THEN PERFORM file_counts_fold(); END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION file_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
    SELECT coalesce(commons, ''), state, -count(*), -coalesce(sum(expected_size), 0), -sum(bytes_done),
           -count(*) FILTER (WHERE expected_size IS NULL)
    FROM deleted
    GROUP BY 1, 2;
    IF random() < 1.0 / 32 THEN PERFORM file_counts_fold(); END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION file_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM file_counts;
    RETURN NULL;
END;
$$;

CREATE TRIGGER file_counts_insert AFTER INSERT ON files
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION file_counts_inserted();
CREATE TRIGGER file_counts_update AFTER UPDATE ON files
REFERENCING OLD TABLE AS replaced NEW TABLE AS updated
FOR EACH STATEMENT EXECUTE FUNCTION file_counts_updated();
CREATE TRIGGER file_counts_delete AFTER DELETE ON files
REFERENCING OLD TABLE AS deleted
FOR EACH STATEMENT EXECUTE FUNCTION file_counts_deleted();
CREATE TRIGGER file_counts_truncate AFTER TRUNCATE ON files
FOR EACH STATEMENT EXECUTE FUNCTION file_counts_truncated();

INSERT INTO file_counts (commons, state, files, expected_bytes, bytes_done, unknown_sizes)
SELECT coalesce(commons, ''), state, count(*), coalesce(sum(expected_size), 0), sum(bytes_done),
       count(*) FILTER (WHERE expected_size IS NULL)
FROM files
GROUP BY 1, 2;

-- The same views, from the counts.
DROP VIEW progress;
CREATE VIEW progress AS
SELECT state,
       sum(files)::bigint         AS files,
       sum(expected_bytes)        AS expected_bytes,
       sum(bytes_done)            AS bytes_done,
       sum(unknown_sizes)::bigint AS unknown_sizes
FROM file_counts
GROUP BY state
HAVING sum(files) > 0;

DROP VIEW commons;
CREATE VIEW commons AS
SELECT coalesce(nullif(commons, ''), (SELECT endpoint FROM job_settings WHERE id = 1), '(the job''s endpoint)') AS commons,
       state,
       sum(files)::bigint  AS files,
       sum(expected_bytes) AS expected_bytes,
       sum(bytes_done)     AS bytes_done
FROM file_counts
GROUP BY 1, state
HAVING sum(files) > 0;
