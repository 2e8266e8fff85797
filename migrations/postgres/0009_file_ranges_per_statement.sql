-- A finished file's ranges are deleted once per UPDATE statement of files, not by a trigger call
-- per row (as migrations/sqlite/0009_file_ranges_per_statement.sql says): nearly every file has
-- none, yet each finished file paid a trigger call for them.
-- A trigger with a transition table cannot name columns, so it runs after every UPDATE of files;
-- with no ranges at all (no large file in flight) it stops at its first query.
DROP TRIGGER file_ranges_finished ON files;
DROP FUNCTION file_ranges_finished();
CREATE FUNCTION file_ranges_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM file_ranges) THEN
        DELETE FROM file_ranges r USING updated u WHERE r.file_id = u.id AND u.state IN ('done', 'skipped');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER file_ranges_finished AFTER UPDATE ON files
REFERENCING NEW TABLE AS updated
FOR EACH STATEMENT EXECUTE FUNCTION file_ranges_finished();
