-- PostgreSQL's version 9 deletes a finished file's ranges once per UPDATE statement instead of
-- once per row (migrations/postgres/0009_file_ranges_per_statement.sql). SQLite has only row
-- triggers, in process and cheap: its trigger from version 6 stays. Nothing changes here; the
-- version keeps the two schemas numbered in step.
SELECT 1;
