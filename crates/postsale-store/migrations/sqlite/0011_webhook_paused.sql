-- Whether the merchant set the webhook to `capturing` by hand. Saving a map that sets order
-- source and number turns a capturing webhook active, which is how a new webhook starts to
-- import; a webhook paused by hand stays capturing until the merchant sets it active.
ALTER TABLE webhooks ADD COLUMN paused BIGINT NOT NULL DEFAULT 0;

-- Before this column, a paused webhook and one whose map could not import yet were both
-- capturing with a saved map. Both count as paused, so that no map saved after the upgrade
-- starts imports the merchant held; setting the webhook active ends the pause.
UPDATE webhooks SET paused = 1
WHERE state = 'capturing' AND EXISTS (SELECT 1 FROM maps m WHERE m.store_id = webhooks.store_id);
