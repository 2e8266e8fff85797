-- What `gen3 status` reads besides the counts, by index, so that it costs the same however many
-- files the job has: the first failed files (a scan in id order read every row when fewer than
-- 20 had failed), and for --json the bytes of the last minute's attempts (a scan of every attempt).
-- Rows enter the first only when they fail, and the second grows by one entry per outcome,
-- mostly at its end: an import or a claim writes to neither.
CREATE INDEX files_failed ON files (id) WHERE state = 'failed';
CREATE INDEX attempts_finished ON attempts (finished_at);
