-- 0008: let the loader role replace a source file's earlier rejects when the file is loaded again.
-- Parameters: identifier placeholders only (see 0001).
--
-- A successful load of a file deletes that file's earlier rows of its source_kind from load_rejects
-- and inserts its own, in the same transaction as the data, so load_rejects always shows the rejects
-- of each file's latest load and re-loading a file never duplicates them. DELETE with a WHERE clause
-- needs SELECT on the columns it tests, hence both grants.
grant select, delete on {{input_schema}}.load_rejects to {{loader_role}};
