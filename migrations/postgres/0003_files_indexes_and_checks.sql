-- The unique constraints on guid and dest_name become unique indexes of the names SQLite's have
-- (the same rule). The CHECKs stay as they are: PostgreSQL evaluates an IN list without the cost
-- that made SQLite's migration rewrite them.
ALTER TABLE files DROP CONSTRAINT files_guid_key;
ALTER TABLE files DROP CONSTRAINT files_dest_name_key;
CREATE UNIQUE INDEX files_guid ON files (guid);
CREATE UNIQUE INDEX files_dest_name ON files (dest_name);
