-- Files from several commons (as migrations/sqlite/0005_commons.sql says).
ALTER TABLE files ADD COLUMN commons TEXT;
ALTER TABLE job_settings ADD COLUMN drs_resolver TEXT;

CREATE TABLE resolver_cache (
    key         TEXT PRIMARY KEY,
    commons     TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('mds', 'resolver_dist', 'resolver_index')),
    resolved_at DOUBLE PRECISION NOT NULL
);

-- Credentials given for one commons: a path or a reference, never a key or a token.
CREATE TABLE commons_credentials (
    commons          TEXT PRIMARY KEY,
    credentials_path TEXT NOT NULL
);

CREATE VIEW commons AS
SELECT coalesce(commons, (SELECT endpoint FROM job_settings WHERE id = 1), '(the job''s endpoint)') AS commons,
       state,
       count(*)                        AS files,
       coalesce(sum(expected_size), 0) AS expected_bytes,
       coalesce(sum(bytes_done), 0)    AS bytes_done
FROM files
GROUP BY 1, state;

DROP VIEW failures;
CREATE VIEW failures AS
SELECT guid, file_name, attempts, last_http_status, last_error,
       to_timestamp(finished_at) AS failed_at,
       coalesce(commons, (SELECT endpoint FROM job_settings WHERE id = 1)) AS commons
FROM files
WHERE state = 'failed'
ORDER BY id;
