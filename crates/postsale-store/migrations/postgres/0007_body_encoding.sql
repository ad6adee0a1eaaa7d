-- A kept body may be stored compressed with zstd. `encoding` names how `body` is stored:
-- 'identity' for the bytes as received, which every body stored before this migration is, or
-- 'zstd'. The request's body_size and body_sha256 stay those of the bytes as received.
-- sqlite/0007_body_encoding.sql does the same in SQLite.
ALTER TABLE request_bodies ADD COLUMN encoding TEXT NOT NULL DEFAULT 'identity';
