-- Files from several commons. A manifest may name files of many commons (drs:// URIs, prefixed
-- ids, a commons_url column); each file's commons is decided once and recorded here.

-- scheme://host[:port] of the commons the file is fetched from: set at import when the manifest
-- says (commons_url, drs://host/…), else by the first worker that resolves the file's prefix.
-- NULL: not decided, or decided to be the job's endpoint (which a later run may change).
ALTER TABLE files ADD COLUMN commons TEXT;

-- The DRS resolver given at import (--drs-resolver), for runs that give none.
ALTER TABLE job_settings ADD COLUMN drs_resolver TEXT;

-- What resolvers answered, so a job asks each question once: the commons of a GUID prefix
-- (dg.4DFC), or of one GUID when only the resolver's index knew it. Entries older than the run's
-- --resolver-cache-age are asked again.
CREATE TABLE resolver_cache (
    key         TEXT PRIMARY KEY,
    commons     TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source = 'mds' OR source = 'resolver_dist' OR source = 'resolver_index'),
    resolved_at REAL NOT NULL
);

-- Credentials given for one commons (--auth <commons>=<path>): a file's path, a profile:// or an
-- idp://wts/ reference, never a key or a token.
CREATE TABLE commons_credentials (
    commons          TEXT PRIMARY KEY,
    credentials_path TEXT NOT NULL
);

-- gen3 sql "SELECT * FROM commons": files and bytes by commons and state.
CREATE VIEW commons AS
SELECT coalesce(commons, (SELECT endpoint FROM job_settings WHERE id = 1), '(the job''s endpoint)') AS commons,
       state,
       count(*)                        AS files,
       coalesce(sum(expected_size), 0) AS expected_bytes,
       coalesce(sum(bytes_done), 0)    AS bytes_done
FROM files
GROUP BY 1, state;

-- The failures view gains the commons each failed file was asked of.
DROP VIEW failures;
CREATE VIEW failures AS
SELECT guid, file_name, attempts, last_http_status, last_error,
       datetime(finished_at, 'unixepoch') AS failed_at,
       coalesce(commons, (SELECT endpoint FROM job_settings WHERE id = 1)) AS commons
FROM files
WHERE state = 'failed'
ORDER BY id;
