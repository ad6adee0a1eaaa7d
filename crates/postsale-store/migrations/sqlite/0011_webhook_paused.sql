-- Whether the merchant set the webhook to `capturing` by hand. Saving a map that sets order
-- source and number turns a capturing webhook active, which is how a new webhook starts to
-- import; a webhook paused by hand stays capturing until the merchant sets it active.
ALTER TABLE webhooks ADD COLUMN paused BIGINT NOT NULL DEFAULT 0;
