-- The index by body hash contains only requests imported as created, updated or unchanged. The
-- duplicate check at import is its one reader, and it looks only for such requests. Ingest
-- thus writes no entry for a new request, whose hash would land on a random page of the index.
-- The import adds the entry when it writes the outcome. postgres/0008_partial_body_hash_index.sql
-- does the same in PostgreSQL.
DROP INDEX requests_body_hash;
CREATE INDEX requests_body_hash ON requests (webhook_id, body_sha256, received_at)
    WHERE outcome IN ('created', 'updated', 'unchanged');
