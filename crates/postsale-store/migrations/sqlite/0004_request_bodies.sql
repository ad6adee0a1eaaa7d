-- Kept bodies move to their own table. The import writes a request's outcome on its row, and
-- while the body sat on that row SQLite wrote the whole body again with every such change (the
-- claim and the outcome). postgres/0004_request_bodies.sql does the same in PostgreSQL.
CREATE TABLE request_bodies (
    request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    body BLOB NOT NULL
);

INSERT INTO request_bodies (request_id, body)
SELECT id, body FROM requests WHERE body IS NOT NULL;

ALTER TABLE requests DROP COLUMN body;
