-- The index by body hash names the imported outcomes with OR in place of an IN list. For an IN
-- list of three or more values in an index's WHERE clause, SQLite builds a temporary table of
-- the values at every insert into requests, and ingest inserts one row per request. The
-- duplicate check repeats this condition word for word, so that both databases use the index.
-- postgres/0009_body_hash_index_without_in_list.sql does the same in PostgreSQL.
DROP INDEX requests_body_hash;
CREATE INDEX requests_body_hash ON requests (webhook_id, body_sha256, received_at)
    WHERE outcome = 'created' OR outcome = 'updated' OR outcome = 'unchanged';
