-- The first response to each `POST /orders/{id}/shipments` that carried an `Idempotency-Key`
-- header, so that a retry with the same key gets the same response and creates no second
-- shipment. The primary key makes a key unique within an account, and the insert that
-- claims it runs in the transaction that creates the shipment. `fingerprint` is a SHA-256
-- of the order id and the request body, `response_body` the JSON body of the response.
-- sqlite/0005_shipment_idempotency_keys.sql is the same table in SQLite's dialect.
CREATE TABLE shipment_idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    status_code BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX shipment_idempotency_keys_created
    ON shipment_idempotency_keys (account_id, created_at);
