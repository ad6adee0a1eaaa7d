-- The index of requests by order holds only requests that have an order. Every request is
-- kept without one, and an entry for it cost each ingest commit one more index page written
-- to the log. Lookups by order (`order_id = $1`) use the partial index, because that
-- condition implies `order_id IS NOT NULL`. postgres/0006_partial_order_index.sql does the same.
DROP INDEX requests_order;
CREATE INDEX requests_order ON requests (order_id) WHERE order_id IS NOT NULL;
