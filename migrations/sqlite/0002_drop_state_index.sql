-- files_state cost about 0.9 s per million imported rows and helped no hot query: the progress
-- counts read every row for their byte sums anyway, and the unfinished count is answered by the
-- partial indexes files_pending and files_claimed.
DROP INDEX IF EXISTS files_state;
