-- One sealed value that every `postsale serve` process opens at start, to prove that it holds
-- the key that sealed the webhook secrets in this database. postgres/0003_key_check.sql is the
-- same table in PostgreSQL's dialect.
CREATE TABLE key_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
