-- A file found at its destination and counted as already there (--skip-completed) gets an attempt
-- row of its own outcome, 'skipped', instead of 'done': the history says what happened to it.
-- SQLite cannot change a CHECK, so attempts is rebuilt (as in 0003).
CREATE TABLE attempts_rebuilt (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files (id),
    attempt     INTEGER NOT NULL,
    worker      TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL NOT NULL,
    outcome     TEXT NOT NULL
                CHECK (outcome = 'done' OR outcome = 'retry' OR outcome = 'failed' OR outcome = 'released'
                       OR outcome = 'skipped'),
    http_status INTEGER,
    error       TEXT,
    bytes       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO attempts_rebuilt SELECT * FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_rebuilt RENAME TO attempts;
CREATE INDEX attempts_file ON attempts (file_id);
