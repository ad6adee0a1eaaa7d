-- Sign-in to the web UI on SQLite: sessions and failed sign-in attempts.
-- postgres/0002_web_sign_in.sql is the same schema in PostgreSQL's dialect: keep them in step.

CREATE INDEX users_account ON users (account_id);

-- A signed-in browser. The cookie value is stored only as its SHA-256 hash. `expires_at` is
-- the idle deadline, moved forward while the session is used but never past the absolute
-- lifetime that the server enforces from `created_at`.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One row per failed sign-in, counted per email and per client address over a time window,
-- so that the limit holds across every process that shares the database.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    client_address TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, failed_at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (client_address, failed_at);
