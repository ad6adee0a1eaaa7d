-- The initial schema on SQLite. postgres/0001_initial.sql is the same schema in PostgreSQL's
-- dialect: keep the two in step. Times are Unix milliseconds in UTC; money is decimal text;
-- flags are 0 or 1; JSON documents are text.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    plan TEXT NOT NULL CHECK (plan IN ('starter', 'grow', 'soar')),
    email TEXT NOT NULL,
    ship_from_address TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE stores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    address TEXT,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    status_on_import TEXT,
    set_shipped BIGINT NOT NULL DEFAULT 1,
    set_voided BIGINT NOT NULL DEFAULT 1,
    ship_from_store_address BIGINT NOT NULL DEFAULT 0,
    logo BLOB,
    logo_content_type TEXT,
    logo_etag TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stores_account ON stores (account_id);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id BIGINT NOT NULL UNIQUE REFERENCES stores (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    previous_token TEXT UNIQUE,
    previous_token_expires_at BIGINT,
    state TEXT NOT NULL CHECK (state IN ('capturing', 'active', 'disabled')),
    security TEXT NOT NULL,
    delivery_id_header TEXT,
    rate_limit_per_minute BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE maps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (store_id, version)
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    received_at BIGINT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT,
    headers TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    content_type TEXT,
    body BLOB,
    body_size BIGINT NOT NULL,
    body_sha256 TEXT NOT NULL,
    body_kind TEXT NOT NULL,
    delivery_id TEXT,
    accepted BIGINT NOT NULL,
    status_code BIGINT NOT NULL,
    reason_code TEXT,
    diagnosis TEXT,
    import_state TEXT NOT NULL CHECK (import_state IN ('pending', 'done', 'not_importable', 'rejected')),
    outcome TEXT,
    outcome_detail TEXT,
    order_id BIGINT,
    claimed_by TEXT,
    claimed_at BIGINT,
    imported_at BIGINT
);
CREATE INDEX requests_store ON requests (store_id, id);
CREATE INDEX requests_pending ON requests (import_state, webhook_id, id);
CREATE INDEX requests_delivery ON requests (webhook_id, delivery_id);
CREATE INDEX requests_body_hash ON requests (webhook_id, body_sha256, received_at);
CREATE INDEX requests_order ON requests (order_id);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id BIGINT REFERENCES stores (id) ON DELETE SET NULL,
    source TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT,
    channel_status TEXT,
    order_date BIGINT,
    source_updated_at BIGINT,
    currency TEXT,
    customer_name TEXT,
    customer_email TEXT,
    total TEXT,
    document TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, source, number)
);
CREATE INDEX orders_account_created ON orders (account_id, created_at, id);
CREATE INDEX orders_account_status ON orders (account_id, status, id);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    sku TEXT,
    name TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price TEXT,
    line_total TEXT,
    UNIQUE (order_id, position)
);

CREATE TABLE shipments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    carrier TEXT NOT NULL,
    service TEXT NOT NULL,
    package TEXT,
    tracking_number TEXT,
    ship_date TEXT,
    cost TEXT,
    document TEXT NOT NULL,
    voided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX shipments_order ON shipments (order_id);
