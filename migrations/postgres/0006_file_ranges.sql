-- Files fetched as several byte ranges at once (as migrations/sqlite/0006_file_ranges.sql says).
CREATE TABLE file_ranges (
    file_id      BIGINT NOT NULL REFERENCES files (id),
    start_offset BIGINT NOT NULL CHECK (start_offset >= 0),
    end_offset   BIGINT NOT NULL CHECK (end_offset > start_offset),
    done         BIGINT NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= end_offset - start_offset),
    PRIMARY KEY (file_id, start_offset)
);

-- A file at its final name needs its ranges no more.
CREATE FUNCTION file_ranges_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM file_ranges WHERE file_id = new.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER file_ranges_finished AFTER UPDATE OF state ON files
FOR EACH ROW WHEN (new.state = 'done' OR new.state = 'skipped')
EXECUTE FUNCTION file_ranges_finished();
