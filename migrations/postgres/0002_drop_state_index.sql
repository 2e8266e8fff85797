-- As in SQLite: files_state helped no query that runs often.
DROP INDEX IF EXISTS files_state;
