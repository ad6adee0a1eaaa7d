-- The index by delivery id contains only imported requests, as the index by body hash does
-- since 0008. The duplicate check at import is its one reader, and since the delivery rule
-- counts only imported requests it looks only for those. Ingest thus writes no entry for a
-- new request: a channel's delivery ids are random (Shopify's are UUIDs), so each entry
-- landed on a page of its own and every kept request wrote that page to the log again. The
-- import adds the entry when it writes the outcome. The condition on the outcome is the one of
-- the index by body hash, which the duplicate check repeats. `delivery_id IS NOT NULL` leaves
-- out requests without an id, and keeps PostgreSQL from using this index for the body rule:
-- on a table without statistics it did, and read every imported request of the webhook.
-- postgres/0010_partial_delivery_index.sql does the same in PostgreSQL.
DROP INDEX requests_delivery;
CREATE INDEX requests_delivery ON requests (webhook_id, delivery_id)
    WHERE delivery_id IS NOT NULL
      AND (outcome = 'created' OR outcome = 'updated' OR outcome = 'unchanged');
