-- Files fetched as several byte ranges at once (--max-connections-per-file): one row per range,
-- bytes start_offset..<end_offset of the file, of which the first `done` are in its part file.
-- A ranged attempt writes its rows before its first byte and raises `done` only once those bytes
-- are written, never ahead of them, so a resumed file asks only for what is missing. A part file
-- without rows was written from its start by one connection: its length is what it holds.
CREATE TABLE file_ranges (
    file_id      INTEGER NOT NULL REFERENCES files (id),
    start_offset INTEGER NOT NULL CHECK (start_offset >= 0),
    end_offset   INTEGER NOT NULL CHECK (end_offset > start_offset),
    done         INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= end_offset - start_offset),
    PRIMARY KEY (file_id, start_offset)
) WITHOUT ROWID;

-- A file at its final name needs its ranges no more.
CREATE TRIGGER file_ranges_finished AFTER UPDATE OF state ON files
WHEN new.state = 'done' OR new.state = 'skipped'
BEGIN
    DELETE FROM file_ranges WHERE file_id = new.id;
END;
