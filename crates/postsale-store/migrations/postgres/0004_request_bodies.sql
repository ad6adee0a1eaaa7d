-- Kept bodies move to their own table, so that writing a request's import state and outcome
-- never touches its body. sqlite/0004_request_bodies.sql does the same in SQLite.
CREATE TABLE request_bodies (
    request_id BIGINT PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    body BYTEA NOT NULL
);

INSERT INTO request_bodies (request_id, body)
SELECT id, body FROM requests WHERE body IS NOT NULL;

ALTER TABLE requests DROP COLUMN body;
