-- What `gen3 status` reads besides the counts, by index (as migrations/sqlite/0008_status_indexes.sql
-- says).
CREATE INDEX files_failed ON files (id) WHERE state = 'failed';
CREATE INDEX attempts_finished ON attempts (finished_at);
